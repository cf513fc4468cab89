// http_message.hpp — the pure parts of the HTTP example: parsing a request
// head, mapping a request target to a file path without leaving the served
// directory, a URL parser for the client, content types and reason phrases.
// No sockets and no files here: each function can be tested (and fuzzed) alone.
//
// References: RFC 9110 (HTTP semantics), RFC 9112 (HTTP/1.1 message syntax),
// RFC 3986 (URIs, percent-encoding).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace http {

/// Where the head (request line + header lines) ends: the index just after the
/// empty line ("\r\n\r\n", or "\n\n" — RFC 9112 §2.2 lets a recipient accept a
/// bare LF), or npos if the head is not complete yet.
std::size_t find_head_end(std::string_view bytes) noexcept;

struct Request {
  std::string method;                                        ///< "GET"
  std::string target;                                        ///< "/index.html?x=1"
  int minor_version = 1;                                     ///< HTTP/1.<minor>
  std::vector<std::pair<std::string, std::string>> headers;  ///< names in lower case
  std::uint64_t content_length = 0;
  bool keep_alive = true;  ///< HTTP/1.1 unless "Connection: close"; 1.0 only if asked

  /// The value of a header (name in lower case), or nullopt.
  std::optional<std::string_view> header(std::string_view name) const;
};

/// A request head parsed, or the status to answer with (400, 501, 505).
struct ParsedRequest {
  std::optional<Request> request;
  int status = 0;     ///< when !request
  std::string error;  ///< when !request: what was wrong, for the response body
};

/// Parses a complete head (as delimited by find_head_end()).
ParsedRequest parse_request(std::string_view head);

/// Where a request target points inside the served directory.
struct Target {
  std::string path;   ///< relative, '/'-separated, decoded, no "." or ".." (empty = the root)
  int status = 0;     ///< 0 if fine, else 400
  std::string error;  ///< why not
};

/// "/docs/a%20b.txt?x" -> "docs/a b.txt". Refuses (400) what could leave the
/// directory or confuse a file system: ".." segments (also percent-encoded,
/// "%2e%2e"), targets not starting with '/', bad %-escapes, NUL and '\\'.
/// An absolute-form target ("http://host/path", RFC 9112 §3.2.2) is reduced to its path.
Target resolve_target(std::string_view target);

/// "text/html; charset=utf-8" for "index.html"; application/octet-stream if unknown.
std::string_view content_type_for(std::string_view file_name) noexcept;

/// "Not Found" for 404.
std::string_view reason_phrase(int status) noexcept;

/// An http:// URL for the client: "http://127.0.0.1:8080/index.html".
struct Url {
  std::string host;  ///< without brackets: "::1"
  std::uint16_t port = 80;
  std::string path = "/";  ///< path and query, as sent in the request line
};
std::optional<Url> parse_url(std::string_view url);

}  // namespace http
