// messages_zh_cn.cpp — the Chinese catalogue: every message a student reads, English -> 中文.
//
// The English is the key: exactly the text the code passes to tr()/trf(), to a Step's
// `why`, to a Parser, or that hint_for() returns (lib/core/src/error.cpp). Terms and
// voice are the glossary's (docs/zh-CN/术语表.md): 套接字, 对端, 全连接队列 …; “” quotes
// and —— dashes in Chinese prose; code, commands, program output and what the user
// typed ('{}', 'listening on ...') keep their ASCII quotes. The {} of both texts must
// be the same, in the same order (the docs check MessagesCheck.* fails otherwise, and
// on a marked message that has no line here). Adding a language's lesson is adding
// lines here; nothing else changes.
#include "messages.hpp"

namespace socklab::cli::messages {
namespace {

constexpr Translation kChinese[] = {
    // --- hints: what hint_for() (lib/core/src/error.cpp) adds after an Error's text ---
    {"is the server running?", "服务器在运行吗？"},
    {"another program (or an old connection in TIME_WAIT) holds this port; pick another with "
     "--port, or use 0 for any free port",
     "另一个程序（或一个处于 TIME_WAIT 状态的旧连接）占着这个端口；用 --port 换一个，或者用 0 "
     "让内核任选一个空闲端口"},
    {"ICMP sockets need your group in net.ipv4.ping_group_range (sysctl -w "
     "net.ipv4.ping_group_range=\"0 2147483647\"), or root for a raw socket",
     "ICMP 套接字要求你的组在 net.ipv4.ping_group_range 之内（sysctl -w "
     "net.ipv4.ping_group_range=\"0 2147483647\"），原始套接字则要 root"},
    {"not supported on this system: these are Linux's calls (lesson 12); use a Linux VM, or WSL2 "
     "on Windows",
     "本系统不支持：这些是 Linux 的调用（第 12 课）；请用 Linux 虚拟机，或 Windows 上的 WSL2"},
    {"ports below 1024 need root or CAP_NET_BIND_SERVICE; use a port above 1023",
     "1024 以下的端口需要 root 或 CAP_NET_BIND_SERVICE；请用大于 1023 的端口"},
    {"this machine has no such address; try 127.0.0.1", "本机没有这个地址；试试 127.0.0.1"},
    {"epoll and eventfd are Linux calls: run lesson 11 on Linux, in WSL2 or a Linux VM",
     "epoll 和 eventfd 是 Linux 的调用：请在 Linux、WSL2 或 Linux 虚拟机上运行第 11 课"},
    {"io_uring is Linux's and needs liburing at build time: run lesson 14 on Linux (WSL2 or a "
     "Linux VM) with liburing-dev installed (make deps), then cmake again",
     "io_uring 是 Linux 的功能，构建时需要 liburing：请在 Linux（WSL2 或 Linux 虚拟机）上安装 "
     "liburing-dev（make deps）后重新运行 cmake，再运行第 14 课"},
    {"this system refuses io_uring: the sysctl kernel.io_uring_disabled (1 or 2; sudo sysctl -w "
     "kernel.io_uring_disabled=0) or a container's seccomp profile (Docker's default forbids "
     "io_uring_setup); make doctor shows which",
     "本系统拒绝使用 io_uring：原因是 sysctl 参数 kernel.io_uring_disabled（1 或 2；sudo sysctl -w "
     "kernel.io_uring_disabled=0），或者容器的 seccomp 配置（Docker 默认禁止 io_uring_setup）；"
     "make doctor 会显示是哪一个"},
    {"the peer closed the connection abruptly (RST)", "对端突然关闭了连接（复位，RST）"},
    {"the peer has closed the connection", "对端已经关闭了连接"},
    {"already bound — did listen() or connect() run first?",
     "已经绑定过了——是不是先调用了 listen() 或 connect()？"},
    {"not listening — call listen() first", "没有在监听——先调用 listen()"},
    {"not bound (or already connected) — call bind() first",
     "还没有绑定（或者已经连接）——先调用 bind()"},
    {"set it before bind()", "要在 bind() 之前设置"},
    {"nothing (more) arrived in time; did the peer send everything it should?",
     "在时限内没有（更多）数据到达；对端把该发的都发了吗？"},
    {"no answer in time; is the host reachable?", "在时限内没有应答；这台主机可达吗？"},
    {"the socket is non-blocking and the call would have to wait",
     "套接字是非阻塞的，而这次调用需要等待"},
    {"check the spelling of the host name, or use an IP such as 127.0.0.1",
     "检查主机名的拼写，或者直接用 IP 地址，例如 127.0.0.1"},
    {"is the name server reachable?", "域名服务器可达吗？"},
    {"expected e.g. 127.0.0.1:8888 or [::1]:8888", "应当形如 127.0.0.1:8888 或 [::1]:8888"},
    {"a port is a whole number from 0 to 65535", "端口是 0 到 65535 之间的整数"},
    {"the length header claims too much; is the peer speaking this protocol?",
     "长度首部声称的长度太大；对端说的是这个协议吗？"},

    // --- the command line (lib/cli/src/cli.cpp) ---
    {"{}: usage: {} (try --help)", "{}: usage: {}（可以试试 --help）"},
    {"unexpected argument '{}'", "多余的参数 '{}'"},
    {"unknown option '{}'", "未知的选项 '{}'"},
    {"{} takes no value", "{} 不带值"},
    {"{} needs a value ({})", "{} 需要一个值（{}）"},
    {"{} '{}': not a port number (0-65535)", "{} '{}'：不是端口号（0-65535）"},
    {"{} '{}': expected a whole number from {} to {}", "{} '{}'：应当是 {} 到 {} 之间的整数"},
    {"--host '{}': this program needs an {} address", "--host '{}'：这个程序需要一个 {} 地址"},
    {"--host must not be empty", "--host 不能为空"},
    {"--host '{}': this program needs a numeric address",
     "--host '{}'：这个程序需要一个数字形式的地址"},
    {"not listening on {} — call listen() after bind() (man 2 listen)",
     "没有在 {} 上监听——要在 bind() 之后调用 listen()（man 2 listen）"},
    {"usage: {} [options]", "用法：{} [选项]"},
    {"options:", "选项："},
    {" (default {})", "（默认 {}）"},
    {"show this help and exit", "显示本帮助并退出"},
    {"exit status: 0 success, 1 runtime error, 2 usage error",
     "退出状态：0 成功，1 运行时错误，2 用法错误"},

    // --- the TODO a stub of the student edition throws (its stub lines) ---
    {"TODO(step {}): {} is not written yet", "TODO(step {})：{} 还没有写"},
    {"TODO(step 6): length framing is not written yet", "TODO(step 6)：长度前缀分帧还没有写"},
    {"TODO(step 5): line framing is not written yet", "TODO(step 5)：按行分帧还没有写"},
    {"TODO(step 8): the id check is not written yet", "TODO(step 8)：id 的检查还没有写"},
    {"TODO(step 8): eventfd write is not written yet", "TODO(step 8)：eventfd 的写入还没有写"},
    {"TODO(step 6): the FIN is not written yet", "TODO(step 6)：FIN 还没有写"},
    {"TODO(step 5): the peer's data is not taken yet", "TODO(step 5)：对端的数据还没有取走"},
    {"TODO(step 4): the workers are not started yet", "TODO(step 4)：工作线程还没有启动"},
    {"TODO(step 4): the data is not written yet", "TODO(step 4)：写数据的代码还没有写"},
    {"TODO(step 4): the Echo Request is not sent yet", "TODO(step 4)：Echo Request 还没有发送"},
    {"TODO(step 3): the error queue is not read yet", "TODO(step 3)：错误队列还没有读取"},
    {"TODO(step 3): the ACK is not written yet", "TODO(step 3)：ACK 还没有写"},
    {"TODO(step 3): IP_TTL/IP_RECVERR not set yet", "TODO(step 3)：IP_TTL/IP_RECVERR 还没有设置"},
    {"TODO(step 2): the thread is not started yet", "TODO(step 2)：线程还没有启动"},
    {"TODO(step 2): the SYN,ACK is not checked yet", "TODO(step 2)：SYN,ACK 还没有检查"},
    {"TODO(step 1): the SYN is not written yet", "TODO(step 1)：SYN 还没有写"},

    // --- tests/support/narrate.cpp: a step's line ---
    {"step {}/{} {}: {}", "第 {}/{} 步 {}：{}"},

    // --- tests/support/programs.cpp: how a program under test ended, what arrived ---
    {"is still running (stopped after {} ms)", "仍在运行（{} 毫秒后被停止）"},
    {"was killed by signal {}", "被信号 {} 终止"},
    {"exited with status {}", "以退出状态 {} 结束"},
    {"{} (and printed nothing on stderr)", "{}（标准错误上什么也没有打印）"},
    {"{} printed no first line within {} ms (expected 'listening on HOST:PORT')",
     "{} 在 {} 毫秒内没有打印第一行（应当是 'listening on HOST:PORT'）"},
    {"{}'s first line should be 'listening on HOST:PORT', got: {}",
     "{} 的第一行应当是 'listening on HOST:PORT'，实际是：{}"},
    {"cannot parse the address in: {} ({})", "无法解析其中的地址：{}（{}）"},
    {"{} did not start; the test stops here", "{} 没有启动；测试到此为止"},
    {"{}'s error: {}", "{} 的错误：{}"},
    {"expected to find {} in {}, which does not contain it", "应当找到 {}，但 {} 里没有它"},
    {"nothing more arrived within {} ms", "{} 毫秒内没有更多数据到达"},
    {"recv() failed: {}", "recv() 失败：{}"},
    {"then the peer closed the connection", "随后对端关闭了连接"},
    {"got {}, expected {}", "收到 {}，应当是 {}"},
    {"the client got {} of {} bytes", "客户端只收到 {} 字节（共 {} 字节）"},

    // --- lesson 01: echo_server --help, and its tests (tests/lesson01_echo_server_test.cpp) ---
    {"Lesson 01: the tutorial's TCP echo server.", "第 01 课：教程里的 TCP 回显服务器。"},
    {"address to listen on (0.0.0.0 or :: exposes the server to the network)",
     "监听的地址（0.0.0.0 或 :: 会把服务器暴露到网络上）"},
    {"TCP port; 0 lets the kernel pick a free one", "TCP 端口；0 让内核任选一个空闲端口"},
    {"serve one client, then exit", "服务一个客户端后退出"},
    {"a TCP endpoint; no address, no peer yet", "一个 TCP 端点；还没有地址，也没有对端"},
    {"a new socket has no peer", "新的套接字没有对端"},
    {"port 0 asks the kernel for any free port", "端口 0 请内核任选一个空闲端口"},
    {"getsockname() says the kernel picked {}", "getsockname() 表明内核选了 {}"},
    {"the kernel now completes handshakes for us; 5 is the queue of finished handshakes waiting "
     "for accept(), not a limit on clients served",
     "从现在起内核替我们完成三次握手；5 是全连接队列（已完成握手、等着 accept() 的连接）的长度，"
     "不是能服务的客户端数的上限"},
    {"3 clients connected; accept() has not been called once",
     "3 个客户端已经连上；accept() 一次也没有调用过"},
    {"one new socket per client; the listening socket keeps listening",
     "每个客户端一个新的已连接套接字；监听套接字继续监听"},
    {"accept() returned a socket for {}", "accept() 为 {} 返回了一个套接字"},
    {"accept() must report the client's own address", "accept() 必须报告客户端自己的地址"},
    {"returns the bytes that have arrived, at most 1024", "返回已经到达的字节，最多 1024 个"},
    {"the reply is raw bytes: the prefix's UTF-8 followed by what arrived",
     "回复是原始字节：前缀的 UTF-8 编码，后面紧跟收到的内容"},
    {"when the client closes, the server's recv() returns 0 bytes (EOF)",
     "客户端关闭后，服务器的 recv() 返回 0 字节（EOF）"},
    {"recv() should report EOF after the peer's close()", "对端 close() 之后，recv() 应当报告 EOF"},
    {"echo_server did not report its port (is main() written?)",
     "echo_server 没有报告它的端口（main() 写好了吗？）"},
    {"connect({}) was refused although echo_server printed 'listening on {}': did it call listen() "
     "(step 3)? echo_server {}",
     "connect({}) 被拒绝了，尽管 echo_server 打印了 'listening on {}'：它调用 listen()（第 3 "
     "步）了吗？echo_server {}"},
    {"echo_server does not accept connections; the test stops here",
     "echo_server 不接受连接；测试到此为止"},
    {"echo_server said: {}", "echo_server 说：{}"},
    {"first line: listening on 127.0.0.1:<the port>", "第一行：listening on 127.0.0.1:<端口>"},
    {"servers bind to loopback by default", "服务器默认绑定到环回地址"},
    {"send hello", "发送 hello"},
    {"the reply is 收到您的消息:hello; the server logs it",
     "回复是 收到您的消息:hello；服务器把它记进日志"},
    {"send 你 in two pieces", "分两段发送 你"},
    {"the server must not decode a chunk: bytes in, bytes out, reassembled by the client",
     "服务器不能解码收到的一段数据：字节进、字节出，由客户端重新拼好"},
    {"one client, then exit 0", "服务一个客户端，然后以 0 退出"},
    {"killed by signal {}", "被信号 {} 终止"},
    {"client resets", "客户端复位连接"},
    {"one client's RST must not stop the server", "一个客户端的 RST 不能让服务器停下"},
    {"two clients in turn", "两个客户端先后连接"},
    {"the loop goes back to accept() for the next client", "循环回到 accept()，等下一个客户端"},
    {"send_all() with SOCKLAB_FAULTS=short:send", "在 SOCKLAB_FAULTS=short:send 下 send_all()"},
    {"one send() may send less than asked: the reply must arrive whole anyway",
     "一次 send() 可能发送得比要求的少：回复仍然必须完整到达"},
    {"one send() may send less — see send_all()", "一次 send() 可能发送得更少——见 send_all()"},
    {"send ESC [2J CR", "发送 ESC [2J CR"},
    {"the log shows \\x1b[2J\\r: a client cannot clear or repaint our terminal",
     "日志显示的是 \\x1b[2J\\r：客户端无法清屏或重绘我们的终端"},
    {"the reply carries the bytes unchanged: only the log escapes them",
     "回复原样带回这些字节：只有日志才转义它们"},
    {"a raw ESC reached the terminal", "一个未转义的 ESC 到达了终端"},
    {"a raw CR reached the terminal", "一个未转义的 CR 到达了终端"},

    // --- lesson 02: echo_client --help, and its tests (tests/lesson02_echo_client_test.cpp) ---
    {"Lesson 02: the tutorial's TCP echo client.", "第 02 课：教程里的 TCP 回显客户端。"},
    {"server host name or IP", "服务器的主机名或 IP 地址"},
    {"server TCP port", "服务器的 TCP 端口"},
    {"give up when a reply takes longer (milliseconds)", "回复超过这么多毫秒就放弃"},
    {"messages to send; with none, each line of stdin is one",
     "要发送的消息；不给的话，标准输入的每一行是一条"},
    {"of the server address's family; no bind(): connect() will pick our port",
     "与服务器地址同一个地址族；不调用 bind()：connect() 会替我们选端口"},
    {"no peer before connect(): {}", "connect() 之前没有对端：{}"},
    {"returns once the three-way handshake is done, before the server's accept()",
     "三次握手一完成就返回，早于服务器的 accept()"},
    {"connected from {} (the kernel chose our port)", "从 {} 连上（内核替我们选了端口）"},
    {"send() returns how many bytes the kernel took", "send() 返回内核收下了多少字节"},
    {"TCP keeps no message boundaries: a reply sent in two pieces can arrive in two",
     "TCP 不保留消息边界：分两段发出的回复，也可能分两次到达"},
    {"recv() returns what has arrived — here only the first piece",
     "recv() 返回已经到达的部分——这里只有第一段"},
    {"so the client loops: recv() until the reply ends with what it sent",
     "所以客户端要循环：一直 recv()，直到回复以它发出的内容结尾"},
    {"the server's recv() returns 0 bytes: the client is done",
     "服务器的 recv() 返回 0 字节：客户端说完了"},
    {"each message's reply is printed as 'reply: ...'", "每条消息的回复打印为 'reply: ...'"},
    {"the server should see the client close and exit", "服务器应当看到客户端关闭，然后退出"},
    {"with no MESSAGE arguments, each stdin line is one",
     "没有 MESSAGE 参数时，标准输入的每一行是一条消息"},
    {"replies out of order", "回复的顺序乱了"},
    {"a server that replies one byte per send()", "每次 send() 只回一个字节的服务器"},
    {"the client must loop on recv() until the whole reply is there",
     "客户端必须循环调用 recv()，直到整个回复到齐"},
    {"one recv() returned only part of the reply: call recv() until the reply ends with the "
     "message (step 4)",
     "一次 recv() 只返回了回复的一部分：要一直调用 recv()，直到回复以这条消息结尾（第 4 步）"},
    {"one send() may send less than asked: the whole message must leave anyway",
     "一次 send() 可能发送得比要求的少：整条消息仍然必须发出去"},
    {"one send() may send less — see send_all() (step 3)",
     "一次 send() 可能发送得更少——见 send_all()（第 3 步）"},
    {"server closes early", "服务器提前关闭"},
    {"one clear error line, exit 1 — no hang, no crash",
     "一行清楚的错误，退出码 1——不挂起，不崩溃"},
    {"server never replies", "服务器从不回复"},
    {"--timeout bounds the wait; exit 1 names the timeout",
     "--timeout 限定等待的时间；退出码 1，并说明是超时"},
    {"echo_client --host localhost, server on its last address",
     "echo_client --host localhost，服务器只在它的最后一个地址上"},
    {"each getaddrinfo() answer is tried in turn (lesson 04), not only the first",
     "getaddrinfo() 的每个答案依次尝试（第 04 课），而不只是第一个"},
    {"localhost is{}; the server listens on the last one only",
     "localhost 是{}；服务器只在最后一个地址上监听"},
};

}  // namespace

std::span<const Translation> chinese() noexcept {
  return kChinese;
}

}  // namespace socklab::cli::messages
