// http_message.cpp — request heads, safe targets, URLs (see http_message.hpp).
#include "http_message.hpp"

#include <algorithm>
#include <charconv>
#include <utility>

namespace http {
namespace {

char lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return lower(x) == lower(y); });
}

// RFC 9110 §5.6.2: token = 1*tchar
bool is_tchar(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}
bool is_token(std::string_view s) noexcept {
  return !s.empty() && std::all_of(s.begin(), s.end(), is_tchar);
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The next line of a head, without its "\r\n" or "\n"; advances `rest`.
std::string_view next_line(std::string_view& rest) noexcept {
  std::size_t nl = rest.find('\n');
  std::string_view line = rest.substr(0, nl);
  rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

ParsedRequest fail(int status, std::string why) {
  return {std::nullopt, status, std::move(why)};
}

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::size_t find_head_end(std::string_view bytes) noexcept {
  // Empty lines before the request line are not the end of a head (RFC 9112 §2.2).
  std::size_t start = 0;
  while (start < bytes.size() && (bytes[start] == '\r' || bytes[start] == '\n')) ++start;
  for (std::size_t i = bytes.find('\n', start); i != std::string_view::npos;
       i = bytes.find('\n', i + 1)) {
    if (i + 1 < bytes.size() && bytes[i + 1] == '\n') return i + 2;
    if (i + 2 < bytes.size() && bytes[i + 1] == '\r' && bytes[i + 2] == '\n') return i + 3;
  }
  return std::string_view::npos;
}

std::optional<std::string_view> Request::header(std::string_view name) const {
  for (const auto& [n, v] : headers)
    if (n == name) return std::string_view(v);
  return std::nullopt;
}

ParsedRequest parse_request(std::string_view head) {
  std::string_view rest = head;
  // RFC 9112 §2.2: a server SHOULD ignore empty lines before the request line.
  // (The head is bounded by the caller's --max-head, so skipping them all is bounded too.)
  std::string_view line = next_line(rest);
  while (line.empty() && !rest.empty()) line = next_line(rest);

  // request-line = method SP request-target SP HTTP-version  (RFC 9112 §3)
  const std::size_t sp1 = line.find(' ');
  const std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos)
    return fail(400, "the request line is not: METHOD TARGET HTTP/1.1");
  Request r;
  r.method = line.substr(0, sp1);
  r.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  if (!is_token(r.method)) return fail(400, "the method is not a token");
  if (r.target.empty()) return fail(400, "empty request target");
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[6] != '.' ||
      version[5] < '0' || version[5] > '9' || version[7] < '0' || version[7] > '9')
    return fail(400, "the version is not HTTP/x.y");
  if (version[5] != '1') return fail(505, "only HTTP/1.x is spoken here");
  r.minor_version = version[7] - '0';

  bool has_length = false, has_host = false;
  while (!rest.empty()) {
    line = next_line(rest);
    if (line.empty()) break;  // the empty line that ends the head
    // RFC 9112 §5.2: obsolete line folding; a server may reject it with 400.
    if (line.front() == ' ' || line.front() == '\t') return fail(400, "folded header line");
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) return fail(400, "a header line without ':'");
    const std::string_view name = line.substr(0, colon);  // no space before ':' (§5.1)
    if (!is_token(name)) return fail(400, "a header name is not a token");
    const std::string_view value = trim(line.substr(colon + 1));
    if (value.find_first_of(std::string_view("\0\r", 2)) != std::string_view::npos)
      return fail(400, "a header value holds NUL or CR");
    std::string lname(name);
    std::transform(lname.begin(), lname.end(), lname.begin(), lower);
    if (lname == "content-length") {
      std::uint64_t n = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec != std::errc() || end != value.data() + value.size() || value.empty())
        return fail(400, "Content-Length is not a number");
      // RFC 9112 §6.3: differing Content-Length values make the framing unknowable.
      if (has_length && n != r.content_length) return fail(400, "two different Content-Lengths");
      r.content_length = n;
      has_length = true;
    }
    // RFC 9112 §3.2: a request with more than one Host line MUST get 400.
    if (lname == "host" && std::exchange(has_host, true)) return fail(400, "two Host headers");
    r.headers.emplace_back(std::move(lname), std::string(value));
  }

  if (r.header("transfer-encoding"))  // chunked request bodies: not in this small server
    return fail(501, "Transfer-Encoding in requests is not supported");
  // RFC 9112 §3.2: a server MUST answer 400 to an HTTP/1.1 request without Host.
  if (r.minor_version >= 1 && !r.header("host")) return fail(400, "HTTP/1.1 needs a Host header");
  // RFC 9112 §9.3: 1.1 connections persist unless "close"; 1.0 only with "keep-alive".
  // Connection is a comma-separated list of options (RFC 9110 §7.6.1), possibly on
  // several lines: "keep-alive, close" means close.
  bool close = false, keep = false;
  for (const auto& [name, value] : r.headers) {
    if (name != "connection") continue;
    std::string_view list = value;
    while (!list.empty()) {
      const std::size_t comma = list.find(',');
      const std::string_view option = trim(list.substr(0, comma));
      list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
      close = close || iequals(option, "close");
      keep = keep || iequals(option, "keep-alive");
    }
  }
  r.keep_alive = !close && (r.minor_version >= 1 || keep);
  return {std::move(r), 0, {}};
}

Target resolve_target(std::string_view target) {
  auto bad = [](std::string why) { return Target{{}, 400, std::move(why)}; };
  // Absolute form "http://host[:port]/path": keep only the path.
  if (target.size() > 7 && iequals(target.substr(0, 7), "http://")) {
    std::size_t slash = target.find('/', 7);
    target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
  }
  if (target.empty() || target.front() != '/') return bad("the target must start with '/'");
  target = target.substr(0, target.find_first_of("?#"));  // the query is not part of the path

  // Percent-decoding (RFC 3986 §2.1) BEFORE looking at segments, so "%2e%2e" is ".."
  std::string decoded;
  for (std::size_t i = 0; i < target.size(); ++i) {
    char c = target[i];
    if (c == '%') {
      if (i + 2 >= target.size()) return bad("a '%' without two hex digits");
      int hi = hex_value(target[i + 1]), lo = hex_value(target[i + 2]);
      if (hi < 0 || lo < 0) return bad("a '%' without two hex digits");
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    }
    if (c == '\0') return bad("NUL in the path");
    if (c == '\\') return bad("'\\' in the path");
    decoded.push_back(c);
  }

  // Split on '/': empty and "." segments vanish, ".." is refused (never resolved:
  // a server that "goes up one" must then prove it did not go above the root).
  Target t;
  std::string_view rest = decoded;
  while (!rest.empty()) {
    std::size_t slash = rest.find('/');
    std::string_view seg = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    if (seg.empty() || seg == ".") continue;
    if (seg == "..") return bad("'..' in the path");
    if (!t.path.empty()) t.path += '/';
    t.path += seg;
  }
  return t;
}

std::string_view content_type_for(std::string_view file_name) noexcept {
  static constexpr std::pair<std::string_view, std::string_view> types[] = {
      {".html", "text/html; charset=utf-8"},
      {".htm", "text/html; charset=utf-8"},
      {".txt", "text/plain; charset=utf-8"},
      {".md", "text/markdown; charset=utf-8"},
      {".css", "text/css"},
      {".js", "text/javascript"},
      {".json", "application/json"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},
      {".svg", "image/svg+xml"},
      {".pdf", "application/pdf"},
      {".pcap", "application/vnd.tcpdump.pcap"},
  };
  const std::size_t dot = file_name.rfind('.');
  if (dot != std::string_view::npos && file_name.find('/', dot) == std::string_view::npos) {
    const std::string_view ext = file_name.substr(dot);
    for (const auto& [e, type] : types)
      if (iequals(ext, e)) return type;
  }
  return "application/octet-stream";
}

std::string_view reason_phrase(int status) noexcept {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 413:
      return "Content Too Large";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
}

std::optional<Url> parse_url(std::string_view url) {
  if (url.size() < 8 || !iequals(url.substr(0, 7), "http://")) return std::nullopt;
  url.remove_prefix(7);
  const std::size_t slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  Url u;
  if (slash != std::string_view::npos) u.path = std::string(url.substr(slash));
  if (u.path.find_first_of(" \r\n") != std::string::npos) return std::nullopt;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {  // [::1]:8080
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    u.host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty() && after.front() != ':') return std::nullopt;
    if (!after.empty())
      port = after.substr(1);
    else
      port = "80";
  } else {
    const std::size_t colon = authority.rfind(':');
    u.host = authority.substr(0, colon);
    port = colon == std::string_view::npos ? std::string_view("80") : authority.substr(colon + 1);
  }
  if (u.host.empty() || u.host.find('@') != std::string::npos) return std::nullopt;
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || end != port.data() + port.size() || port.empty() || value > 65535)
    return std::nullopt;
  u.port = static_cast<std::uint16_t>(value);
  return u;
}

}  // namespace http
