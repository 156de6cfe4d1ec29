// Issue 14, tls mode: whole logins through socialgate replicas (to be written).
#include <catch2/catch.hpp>
