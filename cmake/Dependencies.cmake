# Every library comes from Debian's packages. CAF 0.17 and hiredis 0.14 ship no usable
# CMake targets, so imported targets are made here by hand (see ../shared/TOOLCHAIN.md).
find_package(Threads REQUIRED)
find_package(OpenSSL 3 REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
# CVAT's auth_config.yml is YAML (libyaml-cpp-dev).
find_package(yaml-cpp REQUIRED)
find_package(PkgConfig REQUIRED)

# The Debian build of cpp-httplib is a compiled library; its pkg-config file carries the
# CPPHTTPLIB_*_SUPPORT defines that must reach every translation unit (class layouts depend on them).
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)

find_path(HIREDIS_INCLUDE_DIR hiredis/hiredis.h REQUIRED)
find_library(HIREDIS_LIBRARY hiredis REQUIRED)
add_library(hiredis::hiredis UNKNOWN IMPORTED)
set_target_properties(hiredis::hiredis PROPERTIES
  IMPORTED_LOCATION "${HIREDIS_LIBRARY}"
  INTERFACE_INCLUDE_DIRECTORIES "${HIREDIS_INCLUDE_DIR}")

find_path(CAF_INCLUDE_DIR caf/actor_system.hpp REQUIRED)
find_library(CAF_CORE_LIBRARY caf_core REQUIRED)
add_library(caf::core UNKNOWN IMPORTED)
set_target_properties(caf::core PROPERTIES
  IMPORTED_LOCATION "${CAF_CORE_LIBRARY}"
  INTERFACE_INCLUDE_DIRECTORIES "${CAF_INCLUDE_DIR}"
  INTERFACE_LINK_LIBRARIES Threads::Threads)
# The middleman (brokers, the event loop): a target using it links io and core.
find_library(CAF_IO_LIBRARY caf_io REQUIRED)
add_library(caf::io UNKNOWN IMPORTED)
set_target_properties(caf::io PROPERTIES
  IMPORTED_LOCATION "${CAF_IO_LIBRARY}"
  INTERFACE_LINK_LIBRARIES caf::core)

# Node's http_parser (libhttp-parser-dev 2.9.4) reads HTTP/1.1 requests for the event loop. It ships
# no CMake or pkg-config files. Its static archive is linked, so the runtime image needs no extra
# package. Debian builds it non-strict (HTTP_PARSER_STRICT=0): the request reader checks the
# framing itself (gateway/http/strict_framing.hpp).
find_path(HTTP_PARSER_INCLUDE_DIR http_parser.h REQUIRED)
find_library(HTTP_PARSER_LIBRARY NAMES libhttp_parser.a http_parser REQUIRED)
add_library(http_parser::http_parser UNKNOWN IMPORTED)
set_target_properties(http_parser::http_parser PROPERTIES
  IMPORTED_LOCATION "${HTTP_PARSER_LIBRARY}"
  INTERFACE_INCLUDE_DIRECTORIES "${HTTP_PARSER_INCLUDE_DIR}")
