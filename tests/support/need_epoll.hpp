// NEED_EPOLL(): the first line of a lesson 11 test that needs epoll. Where the layer
// has no epoll (Windows, macOS) the test skips and says where the lesson runs.
#pragma once

#include <gtest/gtest.h>

#include <socklab/epoll.hpp>

#include "support/narrate.hpp"

#define NEED_EPOLL()                                                         \
  do {                                                                       \
    if (!::socklab::Epoll::supported())                                      \
      GTEST_SKIP() << ::socklab::test::tr(                                   \
          "epoll is a Linux facility: run lesson 11 on Linux, in WSL2 or a " \
          "Linux VM (here the layer reports operation_not_supported)");      \
  } while (0)
