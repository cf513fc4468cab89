// layer_check.hpp — every public name of the layer is named in docs/layer.md (and in
// its Chinese twin docs/zh-CN/layer.md): the layer's promise, "anything a member does
// beyond its named call is written in docs/layer.md", starts with the member being there.
//
// What the check calls a *name* of a public header (lib/*/include/**/*.hpp):
//   - a type: the name after `class`, `struct`, `union` or `enum` (`enum class`), at
//     namespace scope or in the public part of a class;
//   - a function: the identifier before the first `(` of a declaration at namespace
//     scope or in the public part of a class or struct — free functions, static and
//     non-static member functions, declared or defined inline.
// Not names: constructors and destructors (the type covers them), operators
// (`operator|`, `operator bool`), data members, enumerators, aliases (`using`,
// `typedef`), macros, friends, and whatever is in a `private:`/`protected:` part or
// in a namespace called `detail` or `std` (a specialization such as
// `is_error_code_enum`). Comments, string literals and preprocessor lines are ignored.
//
// A name is *named* by a page when it appears as a whole word (letters, digits, '_')
// inside an inline code span (`…`) of the page: `Socket::tcp`, `tcp`, `tcp()` all name
// `tcp`. The check is by name, not by place: it catches a member or type nobody wrote
// down, not a row in the wrong table.
#pragma once

#include <filesystem>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace docs {

struct HeaderName {
  std::string name;    // e.g. "wait"
  std::string scope;   // the class it is a member of ("Epoll"), or "" at namespace scope
  std::string header;  // the header's path relative to the source tree
  int line = 0;        // 1-based line of the declaration
  std::string spelled() const { return scope.empty() ? name : scope + "::" + name; }
};

// The public names of one header's text (see above). `header` is only copied into them.
std::vector<HeaderName> header_names(std::string_view text, const std::string& header);

// Every whole word inside the inline code spans of a Markdown page (not fenced blocks).
std::set<std::string> code_words(std::string_view markdown);

// One line per name the page does not name:
//   docs/layer.md does not name `Epoll::wait` (lib/core/include/socklab/epoll.hpp:95):
//   add a row for it
std::vector<std::string> unnamed(const std::vector<HeaderName>& names, std::string_view markdown,
                                 const std::string& page);

// The public headers of a source tree: lib/*/include/**/*.hpp, sorted.
std::vector<std::filesystem::path> public_headers(const std::filesystem::path& root);

}  // namespace docs
