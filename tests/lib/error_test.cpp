// Unit tests of the error model: portable conditions, messages and hints.
#include <gtest/gtest.h>

#include <string>

#include "socklab/error.hpp"
#include "socklab/socket.hpp"

using namespace socklab;

namespace {

// A loopback port that nobody listens on: bind one, note it, close it.
Address closed_port() {
  Socket s = Socket::tcp();
  s.bind(Address::loopback(Family::ipv4, 0));
  return s.local_address();
}

}  // namespace

TEST(Error, ConnectionRefusedIsPortableAndHinted) {
  Address nobody = closed_port();
  Socket s = Socket::tcp();
  std::error_code ec;
  s.connect(nobody, ec);
  EXPECT_EQ(ec, std::errc::connection_refused) << ec.message();
  EXPECT_EQ(ec.category(), socket_category());
  EXPECT_EQ(ec.message(), "Connection refused");

  Socket t = Socket::tcp();
  try {
    t.connect(nobody);
    FAIL() << "connect() to a closed port succeeded";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "connect(" + nobody.to_string() +
                                         "): Connection refused \u2014 is the server running?");
    EXPECT_EQ(e.code(), std::errc::connection_refused);
    EXPECT_EQ(e.call(), "connect");
    EXPECT_EQ(e.address(), nobody.to_string());
  }
}

TEST(Error, AddressInUseNamesTheAddressAndSuggestsAnotherPort) {
  Socket first = Socket::tcp();
  first.bind(Address::loopback(Family::ipv4, 0));
  first.listen(1);
  Address taken = first.local_address();
  Socket second = Socket::tcp();
  try {
    second.bind(taken);
    FAIL() << "a second bind() to " << taken.to_string() << " succeeded";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), std::errc::address_in_use);
    std::string what = e.what();
    EXPECT_EQ(what.rfind("bind(" + taken.to_string() + "): Address already in use \u2014 ", 0), 0u)
        << what;
    EXPECT_NE(what.find("--port"), std::string::npos) << what;
  }
}

TEST(Error, ErrorIsASystemError) {
  try {
    throw Error(std::make_error_code(std::errc::timed_out), "recv", "127.0.0.1:1");
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code(), std::errc::timed_out);
    EXPECT_NE(std::string(e.what()).find("recv(127.0.0.1:1): "), std::string::npos);
  }
}

TEST(Error, AStdErrcMadeByAProgramReadsAsTheSocketTextEverywhere) {
  // connect_timeout (lesson 09) throws std::errc::timed_out itself when poll() gives
  // up. That code is in std::generic_category, whose text comes from the C
  // library's strerror(): MinGW's says "Unknown error" for every socket errno.
  Error e(std::make_error_code(std::errc::timed_out), "connect", "127.0.0.1:9");
  EXPECT_EQ(std::string(e.what()),
            "connect(127.0.0.1:9): Connection timed out \u2014 no answer in time; is the host "
            "reachable?");
  Error full(std::make_error_code(std::errc::too_many_files_open), "accept");
  EXPECT_EQ(std::string(full.what()), "accept: Too many open files");
}

TEST(Error, ThrowIfOnlyThrowsOnError) {
  EXPECT_NO_THROW(throw_if(std::error_code{}, "send"));
  EXPECT_THROW(throw_if(errc::unexpected_eof, "recv_exact"), Error);
}

TEST(Error, LayerAndResolverCodesHaveTheirOwnTexts) {
  EXPECT_EQ(std::error_code(errc::unexpected_eof).category(), socklab_category());
  EXPECT_NE(std::error_code(errc::unexpected_eof).message().find("closed"), std::string::npos);
  EXPECT_EQ(std::error_code(errc::line_too_long).message(), "Line too long");
  EXPECT_EQ(std::error_code(resolve_errc::host_not_found).message(), "Name or service not known");
  EXPECT_EQ(std::error_code(resolve_errc::host_not_found).category(), resolve_category());
  EXPECT_STREQ(resolve_category().name(), "resolve");
}

TEST(Error, HintsForTheErrorsStudentsMeet) {
  EXPECT_EQ(hint_for("connect", std::make_error_code(std::errc::connection_refused)),
            "is the server running?");
  EXPECT_NE(hint_for("bind", std::make_error_code(std::errc::permission_denied)).find("1024"),
            std::string::npos);
  EXPECT_NE(hint_for("getaddrinfo", resolve_errc::host_not_found).find("spelling"),
            std::string::npos);
  EXPECT_EQ(hint_for("recv", std::make_error_code(std::errc::interrupted)), "");
}

// The calls a student puts in the wrong order fail with EINVAL; the hint names the order.
TEST(Error, HintsForCallsInTheWrongOrder) {
  const auto einval = std::make_error_code(std::errc::invalid_argument);
  EXPECT_EQ(hint_for("bind", einval), "already bound \u2014 did listen() or connect() run first?");
  EXPECT_EQ(hint_for("accept", einval), "not listening \u2014 call listen() first");
  EXPECT_EQ(hint_for("setsockopt(IPV6_V6ONLY)", einval), "set it before bind()");
  EXPECT_EQ(hint_for("recv", std::make_error_code(std::errc::timed_out)).find("reachable"),
            std::string::npos)
      << "a recv() timeout on loopback is not a routing problem";
}

// The real calls: listen() before bind() binds to a free port, so bind() fails.
TEST(Error, ListenBeforeBindSaysSo) {
  // Linux and the BSDs bind an unbound socket to a free port in listen(), and the
  // late bind() fails; Winsock refuses the listen() itself (WSAEINVAL). Either
  // way the message says what to do.
  Socket s = Socket::tcp();
  std::error_code listen_failed;
  s.listen(5, listen_failed);
  try {
    if (listen_failed)
      s.listen(5);
    else
      s.bind(Address::parse("127.0.0.1:0"));
    FAIL() << "listen() before bind(): neither listen() nor the late bind() failed";
  } catch (const Error& e) {
    const std::string hint =
        listen_failed ? "call bind() first" : "did listen() or connect() run first?";
    EXPECT_NE(std::string(e.what()).find(hint), std::string::npos) << e.what();
  }
}

TEST(Error, ClosedSocketReportsNotOpen) {
  Socket s;  // owns nothing
  std::error_code ec;
  char byte = 'x';
  (void)s.send(std::string_view(&byte, 1), ec);
  EXPECT_EQ(ec, errc::not_open);
  EXPECT_THROW(s.listen(1), Error);
}
