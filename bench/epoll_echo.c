/* epoll_echo.c — the benchmark's reference: a plain C echo server on Linux
 * epoll, the practical ceiling for one thread on this machine. Not a lesson:
 * no layer, no C++, nothing a student must read. Level-triggered epoll; each
 * readable socket gets one read(); the bytes go straight back with one write();
 * what the kernel does not take waits for EPOLLOUT (and reading from that
 * client pauses until it is sent).
 *
 * --threads N: N such loops, one per thread, each with its OWN listener on the
 * same port (SO_REUSEPORT: the kernel spreads new connections over them by a hash
 * of the addresses) and its own epoll: the like-for-like reference for lesson 11's
 * reactor_server --threads 2 (two loops), with nothing shared between threads.
 *
 *   epoll_echo [--host 127.0.0.1] [--port 0] [--threads 1]
 *                                                prints "listening on HOST:PORT"
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

struct conn {
  int fd;
  char *pending; /* bytes not yet written back */
  size_t len, off;
};

static _Thread_local char buffer[256 * 1024]; /* one per loop thread */

static void die(const char *what) {
  fprintf(stderr, "epoll_echo: error: %s: %s\n", what, strerror(errno));
  exit(1);
}

static void drop(int ep, struct conn *c) {
  epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd);
  free(c->pending);
  free(c);
}

/* Write what is pending; 0 = all out, 1 = some left, -1 = error. */
static int flush(struct conn *c) {
  while (c->off < c->len) {
    ssize_t n = send(c->fd, c->pending + c->off, c->len - c->off, MSG_NOSIGNAL);
    if (n < 0) return (errno == EAGAIN || errno == EWOULDBLOCK) ? 1 : -1;
    c->off += (size_t)n;
  }
  c->len = c->off = 0;
  return 0;
}

/* One loop: its own epoll, its own listener (already listening, non-blocking). */
static void *serve(void *arg) {
  int lfd = (int)(intptr_t)arg;
  int one = 1;
  int ep = epoll_create1(0);
  if (ep < 0) die("epoll_create1");
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL}; /* NULL = the listener */
  if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) < 0) die("epoll_ctl");
  struct epoll_event events[512];
  for (;;) {
    int n = epoll_wait(ep, events, 512, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      die("epoll_wait");
    }
    for (int i = 0; i < n; ++i) {
      struct conn *c = events[i].data.ptr;
      if (c == NULL) { /* accept everything queued */
        for (;;) {
          int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
          if (fd < 0) break; /* EAGAIN, or EMFILE: try again on the next event */
          setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          struct conn *nc = calloc(1, sizeof *nc);
          if (nc == NULL) {
            close(fd);
            continue;
          }
          nc->fd = fd;
          struct epoll_event cev = {.events = EPOLLIN, .data.ptr = nc};
          if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &cev) < 0) drop(ep, nc);
        }
        continue;
      }
      if (events[i].events & EPOLLOUT) {
        int r = flush(c);
        if (r < 0) {
          drop(ep, c);
          continue;
        }
        if (r == 0) { /* all out: read again */
          struct epoll_event cev = {.events = EPOLLIN, .data.ptr = c};
          epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &cev);
        }
        continue;
      }
      if (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
        ssize_t got = recv(c->fd, buffer, sizeof buffer, 0);
        if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) continue;
        if (got <= 0) {
          drop(ep, c);
          continue;
        }
        ssize_t put = send(c->fd, buffer, (size_t)got, MSG_NOSIGNAL);
        if (put < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
          drop(ep, c);
          continue;
        }
        if (put < 0) put = 0;
        if (put < got) { /* keep the rest; wait for EPOLLOUT, stop reading */
          size_t rest = (size_t)(got - put);
          char *p = malloc(rest);
          if (p == NULL) {
            drop(ep, c);
            continue;
          }
          memcpy(p, buffer + put, rest);
          free(c->pending);
          c->pending = p;
          c->len = rest;
          c->off = 0;
          struct epoll_event cev = {.events = EPOLLOUT, .data.ptr = c};
          epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &cev);
        }
      }
    }
  }
  return NULL; /* not reached: the loop runs until the process ends */
}

int main(int argc, char **argv) {
  const char *host = "127.0.0.1";
  int port = 0, threads = 1;
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--host") == 0 && i + 1 < argc) host = argv[++i];
    else if (strcmp(argv[i], "--port") == 0 && i + 1 < argc) port = atoi(argv[++i]);
    else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) threads = atoi(argv[++i]);
    else {
      fprintf(stderr, "epoll_echo: usage: epoll_echo [--host IPV4] [--port PORT] [--threads N]\n");
      return 2;
    }
  }
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons((unsigned short)port);
  if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
    fprintf(stderr, "epoll_echo: usage: --host takes an IPv4 address\n");
    return 2;
  }
  if (threads < 1 || threads > 64) {
    fprintf(stderr, "epoll_echo: usage: --threads takes 1 to 64\n");
    return 2;
  }
  /* The first listener picks the port (port 0); the others join it. */
  int lfds[64];
  for (int t = 0; t < threads; ++t) {
    int one = 1;
    lfds[t] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (lfds[t] < 0) die("socket");
    setsockopt(lfds[t], SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (threads > 1) setsockopt(lfds[t], SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    if (bind(lfds[t], (struct sockaddr *)&addr, sizeof addr) < 0) die("bind");
    if (listen(lfds[t], 4096) < 0) die("listen");
    socklen_t alen = sizeof addr;
    getsockname(lfds[t], (struct sockaddr *)&addr, &alen);
  }
  printf("listening on %s:%d\n", host, ntohs(addr.sin_port));
  fflush(stdout);
  pthread_t tids[64];
  for (int t = 1; t < threads; ++t)
    if (pthread_create(&tids[t], NULL, serve, (void *)(intptr_t)lfds[t]) != 0) die("pthread_create");
  serve((void *)(intptr_t)lfds[0]);
  return 0;
}

