// Issue 14: real Redis servers for cluster mode (to be written).
