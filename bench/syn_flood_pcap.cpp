// syn_flood_pcap — write a capture of a SYN flood on one address pair, for timing
// tools/ladder on it (docs/captures.md): N SYNs from 10.0.0.1:40000 to
// 10.0.0.2:80, none answered, 10 µs apart, written with lib/observe's own encoder
// and pcap writer.
//
//   syn_flood_pcap 100000 flood.pcap && time ladder flood.pcap --list
#include <socklab/observe/encode.hpp>
#include <socklab/observe/pcap.hpp>
#include <socklab/socklab.hpp>

#include <charconv>
#include <string>

using namespace socklab;
using namespace socklab::observe;

int main(int argc, char** argv) {
  cli::Parser args("syn_flood_pcap", "Write a pcap file of N unanswered SYNs on one address pair.");
  args.positionals("N OUT.pcap", "how many SYNs, and the file to write");
  return cli::run(argc, argv, args, [&] {
    if (args.words().size() != 2) throw cli::UsageError("give N and OUT.pcap");
    const std::string& count = args.words()[0];
    unsigned long n = 0;
    auto [end, err] = std::from_chars(count.data(), count.data() + count.size(), n);
    if (err != std::errc{} || end != count.data() + count.size() || n > 10'000'000)
      throw cli::UsageError("N must be a whole number from 0 to 10000000, not '" + count + "'");
    packet::Segment syn;
    syn.source = Address::parse("10.0.0.1:40000");
    syn.destination = Address::parse("10.0.0.2:80");
    syn.flags = packet::syn;
    syn.window = 64240;
    syn.options.mss = 1460;
    pcap::File file;
    for (unsigned long i = 0; i < n; ++i) {
      syn.seq = static_cast<std::uint32_t>(i * 7919);
      file.records.push_back(
          {std::chrono::seconds(1'700'000'000) + std::chrono::microseconds(10 * i),
           packet::encode(syn, std::span<const std::byte>{}), 0});
    }
    pcap::write_file(args.words()[1], file);
    cli::say("wrote {} SYNs to {}", n, args.words()[1]);
    return 0;
  });
}
