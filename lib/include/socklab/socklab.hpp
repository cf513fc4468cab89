// socklab/socklab.hpp — everything a lesson needs, in one include.
#pragma once

#include "socklab/address.hpp"
#include "socklab/cli.hpp"
#include "socklab/error.hpp"
#include "socklab/frame.hpp"
#include "socklab/io.hpp"
#include "socklab/socket.hpp"
#include "socklab/text.hpp"
