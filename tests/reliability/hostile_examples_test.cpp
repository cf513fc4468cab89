// Hostile clients that speak the examples' protocols (`ctest -L hostile -V`).
//
// hostile_test.cpp runs the generic attacks (resets, never-reading clients,
// slowloris, 2000 connect/close cycles, binary) against every server, the
// examples included. This file adds what only makes sense per protocol:
//   http_server  a head or a body dripped byte by byte, pipelining, RST in the
//                middle of a large response
//   chat_server  one client's burst amplified to many readers, control bytes
//   recv_file    a dripping sender, sizes that lie, a planted .NAME.part
// and, for every example and lesson server (07, 08) that accepts in a loop, the EMFILE scenario:
// the server runs under a low RLIMIT_NOFILE, is held at the limit by idle clients, and must neither
// spin (its CPU time, from /proc/PID/stat) nor flood its log while there, and must serve again when
// the descriptors come back. Every example stays alive, serves a normal client within 1 s while
// attacked, and its descriptor count comes back to where it started.
#include <gtest/gtest.h>

#include <algorithm>

#include <array>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "socklab/io.hpp"
#include "socklab/poll.hpp"
#include "socklab/system.hpp"
#include "support/hostile.hpp"
#include "support/narrate.hpp"

using namespace socklab;
using namespace socklab::test::hostile;
using socklab::test::find_on_path;
using socklab::test::narrate;
using socklab::test::Step;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

Socket connect_to(const Address& a, std::chrono::milliseconds recv_timeout = 5s) {
  Socket s = Socket::tcp();
  s.connect(a);
  s.set_recv_timeout(recv_timeout);
  return s;
}

// A timed wait that is not synchronisation: the pace of a dripping client.
void pause_for(std::chrono::milliseconds t) {
  std::vector<PollFd> none{{Socket::invalid_handle, Events::in}};
  poll(none, t);
}

// Everything until EOF, error or timeout.
std::string read_all(Socket& s) {
  std::string out;
  std::array<char, 16 * 1024> buf;
  std::error_code ec;
  for (Received got; !(got = s.recv(buf, ec)).eof && !ec;) out.append(buf.data(), got.bytes);
  return out;
}

// Clients that each send `bytes` one byte per `every`, on one thread, until all
// are sent, the server closes them, or `limit` passes. Returns what each got back.
std::vector<std::string> drip(const Address& a, int clients, const std::string& bytes,
                              std::chrono::milliseconds every, std::chrono::milliseconds limit) {
  std::vector<Socket> socks;
  std::vector<std::string> got(clients);
  std::vector<bool> done(clients, false);
  for (int i = 0; i < clients; ++i) {
    socks.push_back(connect_to(a));
    socks.back().set_non_blocking(true);
  }
  const auto end = Clock::now() + limit;
  std::array<char, 4096> buf;
  for (std::size_t pos = 0; Clock::now() < end; ++pos) {
    bool any = false;
    for (int i = 0; i < clients; ++i) {
      if (done[i]) continue;
      std::error_code ec;
      for (;;) {  // what the server said so far
        Received r = socks[i].recv(buf, ec);
        if (ec || r.eof) break;
        got[i].append(buf.data(), r.bytes);
      }
      if (ec != std::errc::operation_would_block) {
        done[i] = true;  // EOF or reset: the server hung up
        continue;
      }
      if (pos < bytes.size()) (void)socks[i].send(std::string_view(bytes).substr(pos, 1), ec);
      any = true;
    }
    if (!any) break;
    pause_for(every);
  }
  return got;
}

struct Dir {
  Dir() {
    std::random_device rd;
    path = fs::temp_directory_path() / ("socklab-hostile-" + std::to_string(rd()));
    fs::create_directories(path);
  }
  ~Dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  fs::path path;
};

// After every probe: a normal client, descriptors back, a clean stop.
void afterwards(Server& server) {
  Step step(2, 2, "afterwards", "a normal client is served, no descriptor leaked, clean stop");
  EXPECT_TRUE(server.exchange("still there?", 1s));
  EXPECT_TRUE(server.descriptors_back_to_start());
  EXPECT_TRUE(server.stop_cleanly());
}

}  // namespace

// --- http_server ---------------------------------------------------------------------

TEST(HostileExamples, HttpSlowHeadAndSlowBody) {
  Server server(http_target({"--request-ms", "800", "--idle-ms", "400"}));
  ASSERT_TRUE(server.started());
  {
    Step step(1, 2, "30 heads and 30 bodies dripped one byte per 100 ms",
              "--request-ms is a deadline for the whole request: 408, and others are served");
    std::vector<std::string> heads, bodies;
    std::thread t1([&] {
      heads = drip(server.address(), 30,
                   "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + std::string(100, 's'), 100ms, 3s);
    });
    std::thread t2([&] {
      bodies =
          drip(server.address(), 30,
               "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n" + std::string(100, 'b'),
               100ms, 3s);
    });
    pause_for(200ms);  // let them start dripping
    const auto t0 = Clock::now();
    EXPECT_TRUE(server.exchange("while 60 clients drip", 1s));
    EXPECT_LT(Clock::now() - t0, 1s);
    t1.join();
    t2.join();
    for (const auto& g : heads) EXPECT_EQ(g.rfind("HTTP/1.1 408", 0), 0u) << g.substr(0, 40);
    for (const auto& g : bodies) EXPECT_EQ(g.rfind("HTTP/1.1 408", 0), 0u) << g.substr(0, 40);
  }
  afterwards(server);
}

TEST(HostileExamples, HttpPipelining) {
  Dir site;
  std::ofstream(site.path / "a.txt") << "AAAA\n";
  Server server(Target{http_target({"--root", site.path.string()})});
  ASSERT_TRUE(server.started());
  {
    Step step(1, 2, "5 requests in one write", "answered one by one, in order, on one connection");
    Socket s = connect_to(server.address());
    std::string burst;
    for (int i = 0; i < 4; ++i)
      burst += i % 2 ? "GET /missing HTTP/1.1\r\nHost: x\r\n\r\n"
                     : "GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n";
    burst += "GET /a.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    send_all(s, burst);
    const std::string all = read_all(s);
    std::vector<std::string> statuses;
    for (std::size_t at = all.find("HTTP/1.1 "); at != std::string::npos;
         at = all.find("HTTP/1.1 ", at + 1))
      statuses.push_back(all.substr(at + 9, 3));
    EXPECT_EQ(statuses, (std::vector<std::string>{"200", "404", "200", "404", "200"})) << all;
  }
  afterwards(server);
}

TEST(HostileExamples, HttpResetInTheMiddleOfALargeResponse) {
  Dir site;
  std::ofstream(site.path / "big.bin", std::ios::binary) << std::string(8u << 20, 'B');
  Server server(Target{http_target({"--root", site.path.string()})});
  ASSERT_TRUE(server.started());
  {
    Step step(1, 2, "GET an 8 MiB file, read 1 KiB, RST; 20 times",
              "send() fails with ECONNRESET/EPIPE: that connection ends, nothing else");
    for (int i = 0; i < 20; ++i) {
      Socket s = connect_to(server.address());
      send_all(s, "GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n");
      std::array<char, 1024> buf;
      (void)s.recv(buf);
      s.set_linger(std::chrono::seconds(0));
      s.close();
    }
    const auto t0 = Clock::now();
    EXPECT_TRUE(server.exchange("after the resets", 1s));
    EXPECT_LT(Clock::now() - t0, 1s);
  }
  afterwards(server);
}

// --- chat_server ---------------------------------------------------------------------

namespace {
struct ChatPeer {
  ChatPeer(const Address& a, const std::string& nick) : sock(connect_to(a)), lines(sock, 1 << 20) {
    line();  // the greeting
    send_all(sock, nick + "\n");
    line();  // the welcome
  }
  std::string line() {
    std::error_code ec;
    auto l = lines.read_line(ec);
    return ec ? "(error: " + ec.message() + ")" : l.value_or("(eof)");
  }
  Socket sock;
  LineReader lines;
};
}  // namespace

TEST(HostileExamples, ChatAmplificationAndControlBytes) {
  Server server(chat_target({"--max-queue", "65536"}));
  ASSERT_TRUE(server.started());
  {
    Step step(1, 2, "one client writes 20000 x \"a\\n\" + ESC, 6 readers read",
              "every reader gets every line, escaped, and a newcomer is served within 1 s");
    ChatPeer mallory(server.address(), "mallory");
    std::vector<std::unique_ptr<ChatPeer>> readers;
    for (int i = 0; i < 6; ++i) {
      readers.push_back(std::make_unique<ChatPeer>(server.address(), "r" + std::to_string(i)));
    }
    std::vector<std::string> last(readers.size());
    std::vector<int> count(readers.size(), 0);
    std::vector<Clock::time_point> finished(readers.size());
    std::vector<std::thread> threads;
    for (std::size_t r = 0; r < readers.size(); ++r)
      threads.emplace_back([&, r] {
        for (int i = 0; i < 20100; ++i) {
          std::string l = readers[r]->line();
          if (l.rfind("* ", 0) == 0) continue;  // joins of the later readers
          if (l != "<mallory> a") {
            last[r] = l;
            finished[r] = Clock::now();
            return;
          }
          ++count[r];
        }
        finished[r] = Clock::now();  // (20100 lines and no end: count[r] says so below)
      });
    std::string burst;
    for (int i = 0; i < 20000; ++i) burst += "a\n";
    burst += "end\x1b[2J\r<r0> forged\n";
    send_all(mallory.sock, burst);
    // Under Wine the newcomer waits for most of the burst (docs/windows.md, Known
    // differences of Wine), 14 to over 30 s on a loaded 2-core machine: there it must be
    // served once the burst is through, and its wait during the burst is not judged.
    const bool wine = system::emulator().rfind("Wine", 0) == 0;
    if (wine) {
      for (auto& t : threads) t.join();
      EXPECT_TRUE(server.exchange("newcomer", 30000ms)) << "a newcomer after the burst";
      narrate(
          "  under Wine: the newcomer is asked after the burst (not judged during it; "
          "natively the bound is 1 s)");
    } else {
      // The newcomer joins in the middle of the burst, so its own line comes back after
      // the rest of the burst's lines (a room keeps one order). Natively that is within
      // 1 s of asking; on a loaded machine (ctest -j, other programs) the burst itself
      // takes seconds, so the bound is then 1 s after the last reader had every line.
      // A server that stalls on the flood, or forgets the newcomer, misses both.
      const auto t0 = Clock::now();
      EXPECT_TRUE(server.exchange("newcomer", 10000ms)) << "a newcomer during the burst";
      const auto served = Clock::now();
      for (auto& t : threads) t.join();
      const auto burst_end = *std::max_element(finished.begin(), finished.end());
      const auto ms = [](Clock::duration d) {
        return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
      };
      EXPECT_TRUE(served - t0 < 1000ms || served < burst_end + 1000ms)
          << "a newcomer waited " << ms(served - t0) << " ms for its line, the readers "
          << ms(burst_end - t0) << " ms for the whole burst";
    }
    for (std::size_t r = 0; r < readers.size(); ++r) {
      EXPECT_EQ(count[r], 20000) << "reader " << r << " ended with: " << last[r];
      EXPECT_EQ(last[r], "<mallory> end\\x1b[2J\\r<r0> forged") << "reader " << r;
    }
  }
  afterwards(server);
}

// --- recv_file -----------------------------------------------------------------------

TEST(HostileExamples, FileDripLyingSizesPlantedPartFile) {
  Dir inbox, outside;
  Server server(Target{file_target({"--dir", inbox.path.string(), "--header-ms", "800"})});
  ASSERT_TRUE(server.started());
  {
    Step step(1, 2, "drip, lie, plant",
              "deadlines per transfer; a short file is not kept; a planted link is not followed");
    std::vector<std::string> dripped;
    std::thread t(
        [&] { dripped = drip(server.address(), 8, std::string("\x00\x05hello", 7), 200ms, 3s); });
    pause_for(100ms);
    const auto t0 = Clock::now();
    EXPECT_TRUE(server.exchange("while 8 senders drip", 1s));
    EXPECT_LT(Clock::now() - t0, 1s);
    t.join();
    for (const auto& g : dripped) EXPECT_EQ(g.rfind("error: the header took too long", 0), 0u) << g;

    {  // says 100000 bytes, sends 10, leaves
      Socket s = connect_to(server.address());
      const std::string h = std::string("\x00\x05", 2) + "short" +
                            std::string("\x00\x00\x00\x00\x00\x01\x86\xa0", 8);  // 100000
      send_all(s, h + "0123456789");
      LineReader r(s);
      EXPECT_EQ(r.read_line().value_or(""), "ready");
    }
    // A link planted where the part file of "victim" would go.
    std::ofstream(outside.path / "target.txt") << "precious\n";
    std::error_code ec;
    fs::create_symlink(outside.path / "target.txt", inbox.path / ".victim.part", ec);
    if (!ec) {
      Socket s = connect_to(server.address());
      send_all(s, std::string("\x00\x06", 2) + "victim" + std::string("\0\0\0\0\0\0\0\x04", 8));
      LineReader r(s);
      EXPECT_EQ(r.read_line().value_or("").rfind("refused: cannot create .victim.part", 0), 0u);
      std::ifstream in(outside.path / "target.txt");
      EXPECT_EQ(std::string((std::istreambuf_iterator<char>(in)), {}), "precious\n");
      fs::remove(inbox.path / ".victim.part");
    }
    EXPECT_TRUE(server.exchange("after the liars", 1s));
    // The short transfer is gone without a trace (checked after the server saw EOF).
    EXPECT_TRUE(server.descriptors_back_to_start());
    for (const auto& entry : fs::directory_iterator(inbox.path))
      ADD_FAILURE() << "left behind: " << entry.path().filename();
  }
  afterwards(server);
}

// --- EMFILE: every example and lesson server that accepts in a loop -------------------

// Holds every server of `targets` at the limit at the same time: one shared
// one-second window, so that adding servers costs ctest little time.
void hold_at_the_descriptor_limit(const std::vector<Target>& targets) {
  if (!fs::exists("/proc/self/stat") || !find_on_path("sh") || !system::emulator().empty())
    GTEST_SKIP() << "needs Linux: sh for ulimit -n (RLIMIT_NOFILE) and /proc for the "
                    "server's CPU time and descriptors";
  constexpr int nofile = 24, clients = 60;
  std::vector<std::unique_ptr<Server>> servers;
  for (const Target& target : targets) {
    servers.push_back(std::make_unique<Server>(target, nofile));
    ASSERT_TRUE(servers.back()->started())
        << target.name << " did not start under ulimit -n " << nofile;
  }
  {
    Step step(1, 2, "ulimit -n 24, then 60 idle clients each",
              "accept() fails with EMFILE: the server must shed, back off, log a little");
    std::vector<std::unique_ptr<IdleCrowd>> crowds;
    std::vector<std::optional<double>> cpu0;
    std::vector<std::size_t> log0;
    for (auto& server : servers) {
      crowds.push_back(std::make_unique<IdleCrowd>(server->address(), clients, ""));
      narrate("  " + server->target().name + ": " + std::to_string(crowds.back()->connected()) +
              " clients connected");
    }
    for (auto& server : servers) {
      cpu0.push_back(server->cpu_seconds());
      log0.push_back(server->output_bytes());
    }
    pause_for(500ms);  // the measurement window: half a second at the limit
    for (std::size_t i = 0; i < servers.size(); ++i) {
      Server& server = *servers[i];
      SCOPED_TRACE(server.target().name);
      const auto cpu1 = server.cpu_seconds();
      const auto log1 = server.output_bytes();
      ASSERT_TRUE(cpu0[i] && cpu1) << "no /proc/PID/stat for the server";
      const int shed = crowds[i]->closed_by_server();
      narrate("  " + server.target().name + " at the limit for 0.5 s: " +
              std::to_string(*cpu1 - *cpu0[i]) + " s of CPU, " + std::to_string(log1 - log0[i]) +
              " bytes of log, " + std::to_string(shed) + " clients closed (shed)");
      EXPECT_LT(*cpu1 - *cpu0[i], 0.1) << "the server spins at the limit";
      EXPECT_LT(log1 - log0[i], 2000u) << "the server floods its log at the limit";
      EXPECT_GT(shed, 0) << "clients beyond the limit wait in the queue unanswered: the server "
                            "must accept-and-close them (a spare descriptor, AcceptGuard)";
    }
    crowds.clear();  // every client leaves
    for (auto& server : servers)
      EXPECT_TRUE(server->serves_again(3s))
          << server->target().name << ": descriptors are free again: it must serve";
  }
  Step step(2, 2, "afterwards", "a normal client is served, no descriptor leaked, clean stop");
  for (auto& server : servers) {
    SCOPED_TRACE(server->target().name);
    EXPECT_TRUE(server->exchange("still there?", 1s));
    EXPECT_TRUE(server->descriptors_back_to_start());
    EXPECT_TRUE(server->stop_cleanly());
  }
}

class Emfile : public ::testing::TestWithParam<Target> {};

TEST_P(Emfile, AtTheDescriptorLimitNoSpinNoFloodThenServesAgain) {
  hold_at_the_descriptor_limit({GetParam()});
}

INSTANTIATE_TEST_SUITE_P(Examples, Emfile,
                         ::testing::Values(http_target(), chat_target(),
                                           file_target({"--max-transfers", "64"})),
                         [](const auto& param_info) { return param_info.param.name; });

// The lesson servers that accept in a loop (lessons 07 and 08: a throwing accept()
// ended them, a poll() loop that retried would spin), held at the limit together.
TEST(EmfileLessons, AtTheDescriptorLimitNoSpinNoFloodThenServeAgain) {
  hold_at_the_descriptor_limit(
      {thread_server_target(), pool_server_target(), poll_echo_target(), select_echo_target()});
}
