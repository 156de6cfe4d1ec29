// Issue 9 (identity integrity): placeholder, filled in by the work on that issue.
#include <catch2/catch.hpp>
