// tun_lab.cpp — lesson 13's bench, built from ScratchNamespace, TunDevice and
// lib/observe's encoder and log. Portable: the system calls are in those classes.
#include "socklab/lab/tun_lab.hpp"

#include <fmt/format.h>

#include <array>
#include <stdexcept>
#include <utility>
#include <vector>

#include "socklab/error.hpp"
#include "socklab/hint_hook.hpp"
#include "socklab/observe/encode.hpp"

namespace socklab::lab {

using observe::packet::Segment;
namespace packet = observe::packet;

TunLab::TunLab(ScratchNamespace ns, TunDevice tun) noexcept
    : ns_(std::move(ns)), tun_(std::move(tun)) {}

TunLab TunLab::create(std::string_view suffix, std::string_view device,
                      std::string_view kernel_address_cidr) {
  ScratchNamespace ns = ScratchNamespace::create(suffix);
  ns.enter();  // the device is made in the namespace of the thread that opens it
  std::error_code ec;
  TunDevice tun = TunDevice::open(device, ec);
  if (ec) throw Error(ec, "open(/dev/net/tun) + ioctl(TUNSETIFF)", TunDevice::hint(ec));
  ns.run(fmt::format("ip addr add {} dev {} && ip link set {} up", kernel_address_cidr, tun.name(),
                     tun.name()));
  return TunLab(std::move(ns), std::move(tun));
}

void TunLab::connect_ends(const Address& us, const Address& peer) {
  us_ = us;
  peer_ = peer;
  log_ = observe::SegmentLog(us, peer);
}

void TunLab::send(const Segment& segment, std::string_view data, bool spoil_checksum) {
  std::vector<std::byte> bytes = packet::encode(segment, data, ++ip_id_);
  if (spoil_checksum) bytes[packet::tcp_checksum_offset(bytes)] ^= std::byte{0xff};
  tun_.write(bytes);  // write(): the kernel receives the packet now
  std::string line = log_.add(bytes, true);
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fputs(spoil_checksum ? "   (checksum spoiled)\n" : "\n", stdout);
  std::fflush(stdout);
}

std::optional<Segment> TunLab::receive(std::chrono::milliseconds wait) {
  std::array<std::byte, 65536> buffer;
  const auto deadline = std::chrono::steady_clock::now() + wait;
  for (auto now = std::chrono::steady_clock::now(); now < deadline;
       now = std::chrono::steady_clock::now()) {
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - now);
    auto n = tun_.read(buffer, left);  // poll() + read(): one whole packet
    if (!n) break;
    std::span<const std::byte> bytes(buffer.data(), *n);
    std::error_code ec;
    Segment s = packet::decode(bytes, ec);
    if (ec || s.source != peer_ || s.destination != us_) continue;  // not ours
    if (!packet::checksums_ok(bytes))
      throw std::runtime_error(hint_hook::tr("a segment from the kernel with a bad checksum"));
    std::string line = log_.add(bytes, false) + "\n";
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fflush(stdout);
    auto d = packet::payload(bytes);
    data_.assign(reinterpret_cast<const char*>(d.data()), d.size());
    return log_.segments().back();  // with the time it arrived
  }
  return std::nullopt;
}

}  // namespace socklab::lab
