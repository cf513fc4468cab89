// ladder_svg.cpp — the ladder of ladder.cpp drawn as SVG, and an HTML page around it.
//
// The picture, 760 px wide (a GitHub page), one row of 36 px per segment or step:
//
//    t (ms)   client 127.0.0.1:48494            server 127.0.0.1:5564
//             CLOSED   |                          |  LISTEN
//     0.000  SYN_SENT  |──── SYN seq=0 ─────────►|
//     0.013            |◄─── SYN,ACK seq=0 ack=1 ─|  SYN_RCVD
//
// Each arrow slopes down a little: the segment arrives after it was sent.
#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <string>

#include "socklab/error.hpp"
#include "socklab/observe/connections.hpp"
#include "socklab/observe/ladder.hpp"

namespace socklab::observe {
namespace {

constexpr int width = 760;
constexpr int left_x = 250;   // the client's lifeline
constexpr int right_x = 560;  // the server's lifeline
constexpr int top = 70;       // the first row
constexpr int row = 36;
constexpr int slope = 14;  // how far an arrow falls between the lifelines

std::string xml_escape(std::string_view s) {
  std::string out;
  for (char ch : s) {
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        // Control bytes are not allowed in XML 1.0: a label never has them, but be safe.
        if (static_cast<unsigned char>(ch) < 0x20 && ch != '\t')
          out += '?';
        else
          out += ch;
    }
  }
  return out;
}

std::string millis(std::chrono::nanoseconds t) {
  return fmt::format("{:.3f}", static_cast<double>(t.count()) / 1e6);
}

std::string svg_of(const Conversation& c, const std::vector<LadderRow>& rows) {
  const int height = top + row * static_cast<int>(rows.size()) + 60;
  std::string out = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" "
      "viewBox=\"0 0 {0} {1}\" font-family=\"DejaVu Sans Mono, Menlo, Consolas, monospace\" "
      "font-size=\"12\" role=\"img\">\n",
      width, height);
  out += fmt::format("<title>TCP connection {} to {}</title>\n", xml_escape(c.client.to_string()),
                     xml_escape(c.server.to_string()));
  out +=
      "<defs><marker id=\"head\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"8\" "
      "markerHeight=\"8\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" "
      "fill=\"#222\"/></marker></defs>\n";
  out += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  // The two ends, their first states, and their lifelines.
  out += fmt::format(
      "<text class=\"end\" x=\"{}\" y=\"20\" text-anchor=\"middle\" font-weight=\"bold\">client "
      "{}</text>\n",
      left_x, xml_escape(c.client.to_string()));
  out += fmt::format(
      "<text class=\"end\" x=\"{}\" y=\"20\" text-anchor=\"middle\" font-weight=\"bold\">server "
      "{}</text>\n",
      right_x, xml_escape(c.server.to_string()));
  out += fmt::format("<text x=\"10\" y=\"40\" fill=\"#666\">t (ms)</text>\n");
  out += fmt::format(
      "<text class=\"state\" x=\"{}\" y=\"44\" text-anchor=\"end\" "
      "fill=\"#1565c0\">CLOSED</text>\n",
      left_x - 8);
  out += fmt::format("<text class=\"state\" x=\"{}\" y=\"44\" fill=\"#1565c0\">LISTEN</text>\n",
                     right_x + 8);
  const int bottom = top + row * static_cast<int>(rows.size());
  for (int x : {left_x, right_x})
    out += fmt::format(
        "<line class=\"lifeline\" x1=\"{0}\" y1=\"30\" x2=\"{0}\" y2=\"{1}\" stroke=\"#999\" "
        "stroke-width=\"2\"/>\n",
        x, bottom);
  int y = top;
  for (const LadderRow& r : rows) {
    out += fmt::format("<text class=\"time\" x=\"10\" y=\"{}\" fill=\"#666\">{}</text>\n", y + 4,
                       millis(r.time));
    if (r.direction == 0) {  // a program step: text across the middle
      out += fmt::format(
          "<text class=\"step\" x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#555\" "
          "font-style=\"italic\">{}</text>\n",
          (left_x + right_x) / 2, y + 4, xml_escape(r.label));
    } else {
      const int x1 = r.direction > 0 ? left_x : right_x;
      const int x2 = r.direction > 0 ? right_x : left_x;
      const bool reset = r.segment != nullptr && r.segment->has(packet::rst);
      out += fmt::format(
          "<line class=\"arrow\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\" "
          "stroke-width=\"1.5\" marker-end=\"url(#head)\"/>\n",
          x1, y - slope / 2, x2, y + slope / 2, reset ? "#c62828" : "#222");
      out +=
          fmt::format("<text class=\"label\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
                      (left_x + right_x) / 2, y - slope / 2 - 3, xml_escape(r.label));
      if (!r.note.empty())
        out += fmt::format(
            "<text class=\"note\" x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#c62828\" "
            "font-style=\"italic\">{}</text>\n",
            (left_x + right_x) / 2, y + slope / 2 + 12, xml_escape(r.note));
    }
    if (!r.client_state.empty())
      out += fmt::format(
          "<text class=\"state\" x=\"{}\" y=\"{}\" text-anchor=\"end\" "
          "fill=\"#1565c0\">{}</text>\n",
          left_x - 8, y + 4, xml_escape(r.client_state));
    if (!r.server_state.empty())
      out += fmt::format("<text class=\"state\" x=\"{}\" y=\"{}\" fill=\"#1565c0\">{}</text>\n",
                         right_x + 8, y + 4, xml_escape(r.server_state));
    y += row;
  }
  out += fmt::format(
      "<text x=\"10\" y=\"{}\" fill=\"#666\">{}</text>\n", bottom + 30,
      xml_escape(c.steps.empty() ? "States (blue) are inferred: RFC 9293's state diagram driven "
                                   "by the captured segments."
                                 : "States (blue): RFC 9293's diagram driven by the captured "
                                   "segments; italic: the program's steps."));
  out += "</svg>\n";
  return out;
}

}  // namespace

std::string render_svg(const Conversation& c, const LadderOptions& options) {
  return svg_of(c, ladder_rows(c, options));
}

namespace {

std::string html_head(std::string_view title) {
  return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" +
         xml_escape(title) +
         "</title>\n<style>\n"
         "body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 800px; }\n"
         "table { border-collapse: collapse; font-family: monospace; font-size: 13px; }\n"
         "th, td { border: 1px solid #ccc; padding: 2px 6px; text-align: left; }\n"
         "td.note { color: #c62828; }\n"
         "</style>\n</head>\n<body>\n";
}

// One connection: who, the teardown in words, the SVG, the table of segments.
std::string html_connection(const Conversation& c, const LadderOptions& options) {
  const std::vector<LadderRow> rows = ladder_rows(c, options);
  std::string out = fmt::format(
      "<p>client <code>{}</code>, server <code>{}</code>: {} segments. Teardown: {}.</p>\n",
      xml_escape(c.client.to_string()), xml_escape(c.server.to_string()), c.segments.size(),
      xml_escape(describe(analyze_teardown(c.segments, c.client))));
  out += svg_of(c, rows);
  out +=
      "<h2>Segments</h2>\n<table>\n<tr><th>#</th><th>t (ms)</th><th>from</th><th>flags</th>"
      "<th>segment</th><th>data</th><th>TTL</th><th>note</th></tr>\n";
  int n = 0;
  for (const LadderRow& r : rows) {
    if (r.segment == nullptr) continue;
    const packet::Segment& s = *r.segment;
    out += fmt::format(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
        "<td class=\"note\">{}</td></tr>\n",
        ++n, millis(r.time), r.direction > 0 ? "client" : "server",
        xml_escape(packet::flags_text(s.flags)), xml_escape(r.label), s.payload_length,
        static_cast<int>(s.ttl), xml_escape(r.note));
  }
  out += "</table>\n";
  return out;
}

}  // namespace

std::string render_html(const Conversation& c, const LadderOptions& options,
                        std::string_view title) {
  return html_head(title) + "<h1>" + xml_escape(title) + "</h1>\n" + html_connection(c, options) +
         "</body>\n</html>\n";
}

std::string render_html(const std::vector<HtmlSection>& sections, std::string_view title,
                        std::string_view preface) {
  std::string out = html_head(title) + "<h1>" + xml_escape(title) + "</h1>\n";
  if (!preface.empty()) out += "<pre>" + xml_escape(preface) + "</pre>\n";
  if (sections.empty()) out += "<p>No TCP segment was captured.</p>\n";
  for (const HtmlSection& section : sections) {
    out += "<h2>" + xml_escape(section.heading) + "</h2>\n";
    out += html_connection(section.conversation, section.options);
  }
  out += "</body>\n</html>\n";
  return out;
}

void write_text_file(const std::string& path, std::string_view text) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) throw Error(std::error_code(errno, std::generic_category()), "write", path);
  bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  int error = ok ? 0 : errno;
  if (std::fclose(f) != 0 && ok) {  // fclose() flushes: a full disk shows here
    ok = false;
    error = errno;
  }
  if (!ok)
    throw Error(error != 0 ? std::error_code(error, std::generic_category())
                           : std::make_error_code(std::errc::io_error),
                "write", path);
}

}  // namespace socklab::observe
