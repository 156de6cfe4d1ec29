// Issue 14: real Redis servers for tls mode (to be written).
