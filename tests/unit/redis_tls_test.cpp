// Issue 14, tls mode: the backend against real Redis servers (to be written).
#include <catch2/catch.hpp>
