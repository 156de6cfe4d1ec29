// Issue 14: real Redis servers for sentinel mode (to be written).
