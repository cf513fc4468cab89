// pcapng_format.hpp — the numbers of the pcapng format (private to lib/observe/src),
// one copy for its reader (capture_file.cpp) and its writer (pcap.cpp).
// Block types and option codes of draft-ietf-opsawg-pcapng, sections 4.1-4.3 and 4.6.
#pragma once

#include <cstdint>

namespace socklab::observe::pcapng_format {

constexpr std::uint32_t block_section = 0x0A0D0D0A;  // Section Header Block
constexpr std::uint32_t block_interface = 1;         // Interface Description Block
constexpr std::uint32_t block_old_packet = 2;        // Packet Block (obsolete, still read)
constexpr std::uint32_t block_simple_packet = 3;     // Simple Packet Block
constexpr std::uint32_t block_enhanced_packet = 6;   // Enhanced Packet Block
constexpr std::uint32_t byte_order_magic = 0x1A2B3C4D;

constexpr std::uint16_t opt_endofopt = 0;
constexpr std::uint16_t shb_userappl = 4;
constexpr std::uint16_t if_tsresol = 9;

}  // namespace socklab::observe::pcapng_format
