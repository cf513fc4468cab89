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
 * --threads N --handoff: reactor_server's shape exactly. The main thread alone
 * accepts (blocking accept4 on the one listener) and hands each new connection to
 * the N loops in turn (round-robin): it appends the descriptor to that loop's inbox
 * under a mutex and writes 1 to the loop's eventfd, which the loop's epoll watches.
 * The like-for-like reference for the reactor when SO_REUSEPORT's hash splits a
 * handful of connections unevenly (10 connections over 2 listeners: 7/3 is common).
 *
 *   epoll_echo [--host 127.0.0.1] [--port 0] [--threads 1] [--handoff]
 *                                                prints "listening on HOST:PORT"
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

struct conn {
  int fd;
  char *pending; /* bytes not yet written back */
  size_t len, off;
};

/* One loop: its epoll, and where its connections come from: its own listener
 * (lfd >= 0), or the main thread's hand-over (inbox + eventfd). */
struct loop {
  int lfd;
  int efd;
  pthread_mutex_t mu; /* guards inbox: main thread appends, loop thread takes */
  int *inbox;
  size_t n, cap;
};

static _Thread_local char buffer[256 * 1024]; /* one per loop thread */
static char wake_tag; /* epoll data.ptr of the eventfd (the listener's is NULL) */

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

/* A new connection joins this loop's epoll. */
static void adopt(int ep, int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  struct conn *nc = calloc(1, sizeof *nc);
  if (nc == NULL) {
    close(fd);
    return;
  }
  nc->fd = fd;
  struct epoll_event cev = {.events = EPOLLIN, .data.ptr = nc};
  if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &cev) < 0) drop(ep, nc);
}

/* One loop: its own epoll; its own listener (already listening, non-blocking) or
 * its inbox. */
static void *serve(void *arg) {
  struct loop *lp = arg;
  int ep = epoll_create1(0);
  if (ep < 0) die("epoll_create1");
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL}; /* NULL = the listener */
  if (lp->lfd >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, lp->lfd, &ev) < 0) die("epoll_ctl");
  struct epoll_event wev = {.events = EPOLLIN, .data.ptr = &wake_tag};
  if (lp->efd >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, lp->efd, &wev) < 0) die("epoll_ctl");
  struct epoll_event events[512];
  for (;;) {
    int n = epoll_wait(ep, events, 512, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      die("epoll_wait");
    }
    for (int i = 0; i < n; ++i) {
      if (events[i].data.ptr == &wake_tag) { /* the main thread handed some over */
        uint64_t count;
        if (read(lp->efd, &count, sizeof count) < 0 && errno != EAGAIN) die("read eventfd");
        pthread_mutex_lock(&lp->mu);
        for (size_t k = 0; k < lp->n; ++k) adopt(ep, lp->inbox[k]);
        lp->n = 0;
        pthread_mutex_unlock(&lp->mu);
        continue;
      }
      struct conn *c = events[i].data.ptr;
      if (c == NULL) { /* accept everything queued */
        for (;;) {
          int fd = accept4(lp->lfd, NULL, NULL, SOCK_NONBLOCK);
          if (fd < 0) break; /* EAGAIN, or EMFILE: try again on the next event */
          adopt(ep, fd);
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
  int port = 0, threads = 1, handoff = 0;
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--host") == 0 && i + 1 < argc) host = argv[++i];
    else if (strcmp(argv[i], "--port") == 0 && i + 1 < argc) port = atoi(argv[++i]);
    else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) threads = atoi(argv[++i]);
    else if (strcmp(argv[i], "--handoff") == 0) handoff = 1;
    else {
      fprintf(stderr, "epoll_echo: usage: epoll_echo [--host IPV4] [--port PORT] [--threads N] [--handoff]\n");
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
  /* The first listener picks the port (port 0); the others join it. With
   * --handoff there is one listener, the main thread's. */
  int lfds[64];
  int listeners = handoff ? 1 : threads;
  for (int t = 0; t < listeners; ++t) {
    int one = 1;
    lfds[t] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (lfds[t] < 0) die("socket");
    setsockopt(lfds[t], SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (listeners > 1) setsockopt(lfds[t], SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    if (bind(lfds[t], (struct sockaddr *)&addr, sizeof addr) < 0) die("bind");
    if (listen(lfds[t], 4096) < 0) die("listen");
    socklen_t alen = sizeof addr;
    getsockname(lfds[t], (struct sockaddr *)&addr, &alen);
  }
  printf("listening on %s:%d\n", host, ntohs(addr.sin_port));
  fflush(stdout);
  static struct loop loops[64];
  pthread_t tids[64];
  for (int t = 0; t < threads; ++t) {
    loops[t].lfd = handoff ? -1 : lfds[t];
    loops[t].efd = -1;
    pthread_mutex_init(&loops[t].mu, NULL);
    if (handoff && (loops[t].efd = eventfd(0, EFD_NONBLOCK)) < 0) die("eventfd");
  }
  if (!handoff) { /* loop 0 is the main thread's */
    for (int t = 1; t < threads; ++t)
      if (pthread_create(&tids[t], NULL, serve, &loops[t]) != 0) die("pthread_create");
    serve(&loops[0]);
    return 0;
  }
  for (int t = 0; t < threads; ++t)
    if (pthread_create(&tids[t], NULL, serve, &loops[t]) != 0) die("pthread_create");
  int flags = fcntl(lfds[0], F_GETFL); /* the main thread blocks in accept4 */
  if (flags < 0 || fcntl(lfds[0], F_SETFL, flags & ~O_NONBLOCK) < 0) die("fcntl");
  for (int next = 0;; next = (next + 1) % threads) {
    int fd = accept4(lfds[0], NULL, NULL, SOCK_NONBLOCK);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      die("accept4"); /* EMFILE and the like: the benchmark's limits are set above */
    }
    struct loop *lp = &loops[next];
    pthread_mutex_lock(&lp->mu);
    if (lp->n == lp->cap) {
      size_t cap = lp->cap ? 2 * lp->cap : 64;
      int *grown = realloc(lp->inbox, cap * sizeof *grown);
      if (grown == NULL) die("realloc");
      lp->inbox = grown;
      lp->cap = cap;
    }
    lp->inbox[lp->n++] = fd;
    pthread_mutex_unlock(&lp->mu);
    uint64_t one = 1;
    if (write(lp->efd, &one, sizeof one) < 0 && errno != EAGAIN) die("write eventfd");
  }
}

