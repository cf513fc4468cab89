// deny_io_uring — runs a program with io_uring_setup(2) refused with EPERM, the way a
// container's seccomp profile refuses it (Docker's default profile does): lesson 14's
// test of what the server says then. Linux only.
//   deny_io_uring /path/to/uring_echo_server --port 0
// A seccomp filter (man 2 seccomp): every system call is allowed but io_uring_setup.
// (It does not check the architecture: the programs it runs are this build's.)
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdio>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: deny_io_uring PROGRAM [ARGS...]\n");
    return 2;
  }
  sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  sock_fprog program{static_cast<unsigned short>(sizeof filter / sizeof filter[0]), filter};
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
      ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) != 0) {
    std::perror("deny_io_uring: seccomp");
    return 3;
  }
  ::execv(argv[1], argv + 1);
  std::perror("deny_io_uring: execv");
  return 127;
}
