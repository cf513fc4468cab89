// The student's language (socklab/cli/language.hpp): the catalogue's lookup, the
// {} patterns, --help, an Error's hint and cli::run's lines, in Chinese and English.
// Which language a process picks from SOCKLAB_LANG and the locale is shown on the real
// program (Lesson02BadInput.NoServerListeningSaysItInTheStudentsLanguage).
#include <gtest/gtest.h>

#include <filesystem>

#include <stdexcept>
#include <string>
#include <vector>

#include "socklab/cli.hpp"
#include "socklab/error.hpp"
#include "socklab/hint_hook.hpp"
#include "socklab/lab/own_namespaces.hpp"
#include "socklab/observe/capture.hpp"
#include "socklab/system.hpp"

using namespace socklab;

namespace {

// The unit tests of the layer check its English texts: this test program speaks
// English whatever SOCKLAB_LANG says; the tests below switch to Chinese and back.
const bool g_english = [] {
  cli::set_language(cli::Language::english);
  return true;
}();

class Chinese {
 public:
  Chinese() { cli::set_language(cli::Language::chinese); }
  ~Chinese() { cli::set_language(cli::Language::english); }
  Chinese(const Chinese&) = delete;
  Chinese& operator=(const Chinese&) = delete;
};

int run(std::vector<std::string> args, cli::Parser& parser, const std::function<int()>& body,
        std::string& err) {
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  testing::internal::CaptureStderr();
  const int status = cli::run(static_cast<int>(argv.size()), argv.data(), parser, body);
  err = testing::internal::GetCapturedStderr();
  return status;
}

}  // namespace

TEST(Language, TrLooksTheEnglishUpAndKeepsWhatItDoesNotKnow) {
  ASSERT_TRUE(g_english);
  EXPECT_EQ(cli::tr("is the server running?"), "is the server running?");
  Chinese zh;
  EXPECT_EQ(cli::language(), cli::Language::chinese);
  EXPECT_EQ(cli::tr("is the server running?"), "\u670d\u52a1\u5668\u5728\u8fd0\u884c\u5417\uff1f");
  const std::string unknown = "no such message";  // (a literal in tr() would need its Chinese)
  EXPECT_EQ(cli::tr(unknown), "no such message");
  EXPECT_EQ(cli::trf("{} takes no value", "--once"), "--once \u4e0d\u5e26\u503c");
}

TEST(Language, TranslateMessageMatchesAnEntryWithPlaceholders) {
  Chinese zh;
  // A stub's TODO: the pattern entry, the step and the call carried over.
  EXPECT_EQ(cli::translate_message("TODO(step 4): accept() is not written yet"),
            "TODO(step 4)\uff1aaccept() \u8fd8\u6ca1\u6709\u5199");
  // An entry of its own wins over the pattern.
  EXPECT_EQ(cli::translate_message("TODO(step 6): the FIN is not written yet"),
            "TODO(step 6)\uff1aFIN \u8fd8\u6ca1\u6709\u5199");
  EXPECT_EQ(cli::translate_message("TODO(step 4)"), "TODO(step 4)");
  EXPECT_EQ(cli::translate_message(" is not written yet"), " is not written yet");
  EXPECT_EQ(cli::translate_message("something else"), "something else");
  cli::set_language(cli::Language::english);
  EXPECT_EQ(cli::translate_message("TODO(step 4): accept() is not written yet"),
            "TODO(step 4): accept() is not written yet");
}

TEST(Language, HelpSaysItsFixedWordsAndTheProgramsTextsInChinese) {
  cli::Parser p("echo_client", "Lesson 02: the tutorial's TCP echo client.");
  p.option("--port", "PORT", "8888", "server TCP port").flag("--x", "not in the catalogue");
  const std::string english = p.help();
  EXPECT_NE(english.find("usage: echo_client [options]"), std::string::npos) << english;
  EXPECT_NE(english.find("show this help and exit"), std::string::npos) << english;
  Chinese zh;
  const std::string help = p.help();
  for (const char* words :
       {"\u7b2c 02 \u8bfe",                              // 第 02 课
        "\u7528\u6cd5\uff1aecho_client [\u9009\u9879]",  // 用法：echo_client [选项]
        "\u9009\u9879\uff1a",                            // 选项：
        "--port PORT        \u670d\u52a1\u5668\u7684 TCP \u7aef\u53e3",
        "\uff08\u9ed8\u8ba4 8888\uff09",                      // （默认 8888）
        "not in the catalogue",                               // kept as written
        "\u663e\u793a\u672c\u5e2e\u52a9\u5e76\u9000\u51fa"})  // 显示本帮助并退出
    EXPECT_NE(help.find(words), std::string::npos) << words << " not in:\n" << help;
}

TEST(Language, AnErrorsHintSpeaksTheLanguageItsTextDoesNot) {
  cli::translate_hints();
  const auto refused = std::make_error_code(std::errc::connection_refused);
  EXPECT_STREQ(Error(refused, "connect", "127.0.0.1:1").what(),
               "connect(127.0.0.1:1): Connection refused \u2014 is the server running?");
  {
    Chinese zh;
    EXPECT_STREQ(Error(refused, "connect", "127.0.0.1:1").what(),
                 "connect(127.0.0.1:1): Connection refused \u2014 "
                 "\u670d\u52a1\u5668\u5728\u8fd0\u884c\u5417\uff1f");
    hint_hook::install(nullptr);  // no hook: the core's English
    EXPECT_STREQ(Error(refused, "connect", "127.0.0.1:1").what(),
                 "connect(127.0.0.1:1): Connection refused \u2014 is the server running?");
  }
  cli::translate_hints();
}

// A hook that translates everything to one Chinese text with a single {}.
std::string one_placeholder(std::string_view) {
  return "\u53ea\u6709\u4e00\u4e2a {}";  // 只有一个 {}
}

// lib/lab and lib/observe sit below lib/cli: they say their hints through the core's
// hook (hint_hook::tr/trf), which cli::translate_hints() points at the catalogue.
TEST(Language, TheRoomsBelowCliSpeakThroughTheHintHook) {
  // Variables, not literals: the docs check would ask the catalogue for a literal's Chinese.
  const std::string_view two = "a {} b {}", one = "a {}", braces = "{{}} {}";
  hint_hook::install(nullptr);  // no hook: the English, its {} filled
  EXPECT_EQ(hint_hook::trf(two, {"x", "y"}), "a x b y");
  EXPECT_EQ(hint_hook::trf(braces, {"x"}), "{} x");
  EXPECT_EQ(hint_hook::trf(two, {"x"}), "a {} b {}");  // too few values: as it is
  hint_hook::install(&one_placeholder);  // a translation with the wrong {}: the English
  EXPECT_EQ(hint_hook::trf(two, {"x", "y"}), "a x b y");
  EXPECT_EQ(hint_hook::trf(one, {"x"}), "\u53ea\u6709\u4e00\u4e2a x");
  cli::translate_hints();

  const auto eperm = std::make_error_code(std::errc::operation_not_permitted);
  const std::string capture_en = observe::Capture::hint(eperm);
  const std::string lab_en = lab::own_namespaces_hint(eperm);
  EXPECT_TRUE(capture_en.starts_with("capturing packets needs CAP_NET_RAW")) << capture_en;
  // On Linux the hint names the cause, with the error; elsewhere (the fallback: Windows,
  // macOS) it says where the lab runs, with no error to name.
  // (Wine shows the Linux /proc too: the Winsock build is not Linux whatever it sees.)
  const bool on_linux =
      std::filesystem::exists("/proc/sys/kernel/osrelease") && !system::needs_startup();
  if (on_linux) {
    EXPECT_NE(lab_en.find(" (" + eperm.message() + ")"), std::string::npos) << lab_en;
  }
  Chinese zh;
  // 抓包需要 CAP_NET_RAW
  EXPECT_TRUE(observe::Capture::hint(eperm).starts_with("\u6293\u5305\u9700\u8981 CAP_NET_RAW"))
      << observe::Capture::hint(eperm);
  // Whichever cause this machine has, its line is Chinese, with the error filled in.
  const std::string lab_zh = lab::own_namespaces_hint(eperm);
  EXPECT_NE(lab_zh, lab_en);
  if (on_linux) {
    EXPECT_NE(lab_zh.find(" (" + eperm.message() + ")"), std::string::npos) << lab_zh;
  }
  EXPECT_NE(lab_zh.find("\uff1a"), std::string::npos) << lab_zh;  // ：
}

TEST(Language, RunKeepsItsPrefixesAndTranslatesWhatFollows) {
  cli::Parser p("prog", "A test program.");
  p.option("--port", "PORT", "8888", "port");
  Chinese zh;
  std::string err;
  EXPECT_EQ(
      run(
          {"prog"}, p,
          []() -> int { throw std::logic_error("TODO(step 4): accept() is not written yet"); },
          err),
      1);
  // "prog: error: TODO(step N)" is what make progress and junit.awk look for.
  EXPECT_EQ(err, "prog: error: TODO(step 4)\uff1aaccept() \u8fd8\u6ca1\u6709\u5199\n");
  cli::Parser q("prog", "A test program.");
  q.option("--port", "PORT", "8888", "port");
  EXPECT_EQ(run(
                {"prog", "--port", "abc"}, q, [&] { return static_cast<int>(q.port()); }, err),
            2);
  EXPECT_EQ(err,
            "prog: usage: --port 'abc'\uff1a\u4e0d\u662f\u7aef\u53e3\u53f7\uff080-65535\uff09"
            "\uff08\u53ef\u4ee5\u8bd5\u8bd5 --help\uff09\n");
}
