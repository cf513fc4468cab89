# mingw-w64-wine.cmake — cross-build socklab for Windows with mingw-w64 and run
# its tests under Wine (what `make test-windows` uses; see docs/windows.md).
#
#   cmake -S . -B build-windows -G Ninja --toolchain cmake/mingw-w64-wine.cmake
#   cmake --build build-windows && (cd build-windows && ctest)
#
# Debian packages: mingw-w64 g++-mingw-w64-x86-64-posix wine wine64 libgtest-dev libfmt-dev
# libz-mingw-w64-dev (zlib for Windows, in /usr/x86_64-w64-mingw32: found by find_package(ZLIB))
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(SOCKLAB_MINGW_TRIPLE x86_64-w64-mingw32)

# The -posix compilers: the default (-win32 thread model) ones have no std::thread.
set(CMAKE_C_COMPILER ${SOCKLAB_MINGW_TRIPLE}-gcc-posix)
set(CMAKE_CXX_COMPILER ${SOCKLAB_MINGW_TRIPLE}-g++-posix)
set(CMAKE_RC_COMPILER ${SOCKLAB_MINGW_TRIPLE}-windres)

# Look for the target's headers and libraries in the mingw sysroot only, never in
# the build machine's /usr/include (its glibc headers break a Windows build).
set(CMAKE_FIND_ROOT_PATH /usr/${SOCKLAB_MINGW_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# -static: the .exe files need no DLL beyond Windows' own (libstdc++, libgcc and
# winpthread are linked in); ws2_32 is linked by lib/CMakeLists.txt.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")
# zlib (libz-mingw-w64-dev) ships libz.dll.a and libz.a; FindZLIB takes the import
# library first, and the .exe would then need zlib1.dll. Static, like the rest
# (CMake 3.24+; measured: without it ZLIB_LIBRARIES is .../lib/libz.dll.a).
set(ZLIB_USE_STATIC_LIBS ON)

# ctest (and gtest_discover_tests at build time) run every .exe through Wine.
find_program(SOCKLAB_WINE NAMES wine wine64 REQUIRED)
set(CMAKE_CROSSCOMPILING_EMULATOR ${SOCKLAB_WINE})

# Windows sees the build machine's / as drive Z:. Paths compiled into the tests
# (where the lesson programs are) get this prefix, so Wine's Windows side can open them.
set(SOCKLAB_TARGET_PATH_PREFIX "Z:" CACHE STRING "Prefix that turns a build path into a target path")

# GoogleTest: built from Debian's sources (libgtest-dev ships them) for the target.
set(SOCKLAB_GTEST_SOURCE_DIR /usr/src/googletest CACHE PATH "GoogleTest sources to build")

# fmt: header-only. Debian ships the headers in /usr/include/fmt; copy them alone
# into the build tree, so that /usr/include itself never lands on the include path.
set(SOCKLAB_FMT_HEADER_ONLY ON CACHE BOOL "Use fmt in header-only mode (cross builds)")
if(EXISTS /usr/include/fmt/core.h AND NOT EXISTS ${CMAKE_BINARY_DIR}/fmt-headers/fmt/core.h)
  file(COPY /usr/include/fmt DESTINATION ${CMAKE_BINARY_DIR}/fmt-headers)
endif()
set(SOCKLAB_FMT_INCLUDE_DIR ${CMAKE_BINARY_DIR}/fmt-headers CACHE PATH "Where fmt/core.h lives")
