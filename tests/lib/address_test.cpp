// Unit tests of socklab::Address: parsing, formatting, resolving.
#include <gtest/gtest.h>

#include <string>

#include "socklab/address.hpp"
#include "socklab/error.hpp"

using namespace socklab;

TEST(Address, ParsesIpv4WithPort) {
  Address a = Address::parse("127.0.0.1:8888");
  EXPECT_EQ(a.family(), Family::ipv4);
  EXPECT_EQ(a.ip(), "127.0.0.1");
  EXPECT_EQ(a.port(), 8888);
  EXPECT_EQ(a.to_string(), "127.0.0.1:8888");
  EXPECT_TRUE(a.is_loopback());
}

TEST(Address, ParsesIpv6InBrackets) {
  Address a = Address::parse("[::1]:8888");
  EXPECT_EQ(a.family(), Family::ipv6);
  EXPECT_EQ(a.ip(), "::1");
  EXPECT_EQ(a.port(), 8888);
  EXPECT_EQ(a.to_string(), "[::1]:8888");
  EXPECT_TRUE(a.is_loopback());
  // inet_ntop writes the canonical (shortest) form.
  EXPECT_EQ(Address::parse("[2001:db8:0:0:0:0:0:1]:80").to_string(), "[2001:db8::1]:80");
}

TEST(Address, FormatThenParseRoundTrips) {
  for (const char* text : {"0.0.0.0:0", "10.1.2.3:65535", "[::]:1", "[fe80::1]:443"}) {
    EXPECT_EQ(Address::parse(text).to_string(), text);
    EXPECT_EQ(Address::parse(Address::parse(text).to_string()), Address::parse(text));
  }
}

TEST(Address, RejectsBadAddressesWithInvalidAddress) {
  for (const char* text :
       {"", "127.0.0.1", "127.0.0.1:", ":80", "256.0.0.1:80", "1.2.3:80", "localhost:80", "::1:80",
        "[::1]80", "[::1]", "[127.0.0.1]:80", " 127.0.0.1:80", "[::1:80", "127.0.0.1:80:80"}) {
    std::error_code ec;
    Address::parse(text, ec);
    EXPECT_TRUE(ec == errc::invalid_address || ec == errc::invalid_port)
        << "'" << text << "' gave: " << ec.message();
  }
}

TEST(Address, RejectsBadPorts) {
  for (const char* text : {"127.0.0.1:70000", "127.0.0.1:65536", "127.0.0.1:abc", "127.0.0.1:-1",
                           "127.0.0.1:+80", "127.0.0.1:0x50", "127.0.0.1:8 "}) {
    std::error_code ec;
    Address::parse(text, ec);
    EXPECT_EQ(ec, errc::invalid_port) << "'" << text << "'";
  }
}

TEST(Address, ParsePortIsStrict) {
  EXPECT_EQ(parse_port("0"), 0);
  EXPECT_EQ(parse_port("65535"), 65535);
  EXPECT_EQ(parse_port("08888"), 8888);
  for (const char* text : {"", "65536", "70000", "abc", "-1", "1e3", "123456"}) {
    std::error_code ec;
    parse_port(text, ec);
    EXPECT_EQ(ec, errc::invalid_port) << "'" << text << "'";
  }
}

TEST(Address, ThrowingParseNamesTheInputAndAHint) {
  try {
    Address::parse("localhost");
    FAIL() << "parse() accepted an address without a port";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), errc::invalid_address);
    EXPECT_EQ(e.call(), "parse");
    EXPECT_EQ(e.address(), "localhost");
    EXPECT_NE(std::string(e.what()).find("parse(localhost): Not an IP address"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("[::1]:8888"), std::string::npos) << e.what();
  }
}

TEST(Address, LoopbackAnyAndWithPort) {
  EXPECT_EQ(Address::loopback(Family::ipv4, 80).to_string(), "127.0.0.1:80");
  EXPECT_EQ(Address::loopback(Family::ipv6, 80).to_string(), "[::1]:80");
  EXPECT_EQ(Address::any(Family::ipv4).to_string(), "0.0.0.0:0");
  EXPECT_EQ(Address::any(Family::ipv6, 7).to_string(), "[::]:7");
  EXPECT_FALSE(Address::any(Family::ipv4).is_loopback());
  EXPECT_TRUE(Address::parse("127.9.8.7:1").is_loopback());
  EXPECT_FALSE(Address::parse("10.0.0.1:1").is_loopback());
  EXPECT_EQ(Address::parse("127.0.0.1:1").with_port(2), Address::parse("127.0.0.1:2"));
  EXPECT_EQ(Address::parse("[::1]:1").with_port(2).to_string(), "[::1]:2");
}

TEST(Address, EmptyAddressSaysSo) {
  Address a;
  EXPECT_EQ(a.family(), Family::unspecified);
  EXPECT_EQ(a.port(), 0);
  EXPECT_EQ(a.to_string(), "(no address)");
}

TEST(Address, ResolveGivesEveryResult) {
  auto all = Address::resolve("localhost", "8888");
  ASSERT_FALSE(all.empty());
  for (const Address& a : all) {
    EXPECT_TRUE(a.is_loopback()) << a.to_string();
    EXPECT_EQ(a.port(), 8888);
  }
  auto v4 = Address::resolve("127.0.0.1", "80", Family::ipv4);
  ASSERT_EQ(v4.size(), 1u);
  EXPECT_EQ(v4[0].to_string(), "127.0.0.1:80");
}

TEST(Address, ResolveOfAnUnknownHostFailsClearly) {
  std::error_code ec;
  auto none = Address::resolve("no.such.host.invalid", "80", Family::unspecified, Type::stream, ec);
  EXPECT_TRUE(none.empty());
  // .invalid never exists (RFC 6761); without a reachable name server the
  // resolver may only be able to say "try again".
  EXPECT_TRUE(ec == resolve_errc::host_not_found || ec == resolve_errc::try_again) << ec.message();
  try {
    Address::resolve("no.such.host.invalid", "80");
    FAIL() << "resolve() of an unknown host did not throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.call(), "getaddrinfo");
    EXPECT_NE(std::string(e.what()).find("no.such.host.invalid"), std::string::npos) << e.what();
  }
}
