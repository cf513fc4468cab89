// route.cpp — parsing `ip route` lines and the longest prefix match (pure, portable).
#include "socklab/lab/route.hpp"

#include <socklab/hint_hook.hpp>
#include <socklab/text.hpp>

#include <charconv>
#include <stdexcept>
#include <string>
#include <vector>

namespace socklab::lab {
namespace {

std::vector<std::string_view> words(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

// Text from the input, quoted and cut: a 2 MB line must not come back whole in the
// error message (printable() also escapes control bytes).
std::string quoted(std::string_view text) {
  return '"' + printable(text, 60) + '"';
}

std::int64_t parse_metric(std::string_view text) {
  std::int64_t value = -1;  // 64 bits: a long is 32 on Windows
  auto [end, err] = std::from_chars(text.data(), text.data() + text.size(), value);
  // ip route's metric is a 32-bit unsigned number (the kernel's "priority").
  if (err != std::errc{} || end != text.data() + text.size() || value < 0 ||
      value > std::int64_t{0xffffffff})
    throw std::invalid_argument(
        hint_hook::trf("metric {} is not a number 0..4294967295", {quoted(text)}));
  return value;
}

bool is_route_type(std::string_view w) {
  for (std::string_view t : {"unicast", "unreachable", "blackhole", "prohibit", "local",
                             "broadcast", "throw", "nat", "anycast", "multicast"})
    if (w == t) return true;
  return false;
}

}  // namespace

std::uint32_t parse_ipv4(std::string_view text) {
  std::uint32_t address = 0;
  std::size_t at = 0;
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (at >= text.size() || text[at] != '.') break;
      ++at;
    }
    unsigned value = 0;
    const char* first = text.data() + at;
    const char* last = text.data() + text.size();
    auto [end, err] = std::from_chars(first, last, value);
    // Exactly 1-3 decimal digits, no leading zero (inet_pton's rule: no octal).
    std::size_t digits = static_cast<std::size_t>(end - first);
    if (err != std::errc{} || digits == 0 || digits > 3 || value > 255 ||
        (digits > 1 && *first == '0'))
      throw std::invalid_argument(hint_hook::trf("not an IPv4 address: {}", {quoted(text)}));
    address = (address << 8) | value;
    at += digits;
    if (part == 3 && at == text.size()) return address;
  }
  throw std::invalid_argument(hint_hook::trf("not an IPv4 address: {}", {quoted(text)}));
}

std::string format_ipv4(std::uint32_t a) {
  return std::to_string(a >> 24) + '.' + std::to_string((a >> 16) & 255) + '.' +
         std::to_string((a >> 8) & 255) + '.' + std::to_string(a & 255);
}

std::uint32_t netmask(int length) noexcept {
  if (length <= 0) return 0;
  if (length >= 32) return 0xffffffffu;
  return ~(0xffffffffu >> length);  // `length` one bits, then zeros
}

std::uint32_t network_address(std::uint32_t address, int length) noexcept {
  return address & netmask(length);
}

std::uint32_t broadcast_address(std::uint32_t address, int length) noexcept {
  return address | ~netmask(length);
}

Prefix Prefix::parse(std::string_view text) {
  if (text == "default") return Prefix{0, 0};
  Prefix p;
  std::size_t slash = text.find('/');
  std::uint32_t address = parse_ipv4(text.substr(0, slash));
  p.length = 32;
  if (slash != std::string_view::npos) {
    std::string_view len = text.substr(slash + 1);
    auto [end, err] = std::from_chars(len.data(), len.data() + len.size(), p.length);
    if (err != std::errc{} || end != len.data() + len.size() || len.empty() || p.length < 0 ||
        p.length > 32)
      throw std::invalid_argument(hint_hook::trf("not a prefix length: {}", {quoted(text)}));
  }
  p.network = network_address(address, p.length);
  if (p.network != address)
    throw std::invalid_argument(hint_hook::trf("host bits set in prefix {} (did you mean {}?)",
                                               {quoted(text), p.to_string()}));
  return p;
}

bool Prefix::contains(std::uint32_t address) const noexcept {
  return network_address(address, length) == network;
}

std::string Prefix::to_string() const {
  return length == 0 ? std::string("default") : format_ipv4(network) + '/' + std::to_string(length);
}

std::vector<Route> parse_routes(std::string_view text) {
  std::vector<Route> table;
  for (std::size_t number = 1; !text.empty(); ++number) {
    std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    std::vector<std::string_view> w = words(line);
    if (w.empty()) continue;
    std::string_view field = "destination";  // what the error names
    try {
      Route r;
      r.line = std::string(line);
      std::size_t i = 0;
      if (is_route_type(w[0])) r.type = std::string(w[i++]);
      if (i >= w.size()) throw std::invalid_argument(hint_hook::tr("no destination"));
      r.destination = Prefix::parse(w[i++]);
      for (; i < w.size(); ++i) {  // the rest: "key value" pairs and single words
        field = w[i];
        if (w[i] == "linkdown" || w[i] == "onlink" || w[i] == "dead") continue;
        if (i + 1 >= w.size()) {  // a key without its value ("metric" at the end)
          if (w[i] == "via" || w[i] == "dev" || w[i] == "metric")
            throw std::invalid_argument(hint_hook::tr("no value after it"));
          continue;  // a word we do not know: ignored, as the lookup does not need it
        }
        std::string_view value = w[++i];
        if (field == "via")
          r.via = std::string(value);
        else if (field == "dev")
          r.dev = std::string(value);
        else if (field == "metric")
          r.metric = parse_metric(value);
      }
      table.push_back(std::move(r));
    } catch (const std::exception& e) {
      throw std::invalid_argument(
          hint_hook::trf("line {}, field {}: {} (line {})",
                         {std::to_string(number), printable(field, 20), e.what(), quoted(line)}));
    }
  }
  return table;
}

std::optional<Route> route_lookup(const std::vector<Route>& table, std::uint32_t destination) {
  // SOLUTION-BEGIN: TODO(step 1): longest prefix match: of the routes whose prefix
  // contains `destination`, return the one with the longest prefix (lowest metric
  // among equals); nullopt if none does.
  // SOLUTION-STUB: (void)table;
  // SOLUTION-STUB: (void)destination;
  // SOLUTION-STUB: throw std::logic_error("TODO(step 1): route_lookup() is not written yet");
  const Route* best = nullptr;
  for (const Route& r : table) {
    if (!r.destination.contains(destination)) continue;
    if (best == nullptr || r.destination.length > best->destination.length ||
        (r.destination.length == best->destination.length && r.metric < best->metric))
      best = &r;
  }
  if (best == nullptr) return std::nullopt;
  return *best;
  // SOLUTION-END
}

std::string describe(const std::optional<Route>& route, std::uint32_t destination) {
  const std::string to = format_ipv4(destination);
  if (!route) return "no route to " + to;
  if (route->type != "unicast") return route->type + ' ' + to;
  std::string out = to;
  if (!route->via.empty()) out += " via " + route->via;
  if (!route->dev.empty()) out += " dev " + route->dev;
  return out;
}

HopAnswer read_answer(const IcmpError& answer, const Address& target) {
  HopAnswer hop;
  hop.from = answer.offender.ip();  // the router whose ICMP message this is
  hop.reached = answer.port_unreachable() && hop.from == target.ip();
  hop.stops = !hop.reached && !answer.time_exceeded();
  return hop;
}

}  // namespace socklab::lab
