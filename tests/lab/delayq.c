/* delayq: hold every packet of one NFQUEUE for a fixed delay, then accept it.
 *
 * The lab kernel has no netem, so one-way latency is added with
 *   iptables -t mangle -A PREROUTING -i to-app -j NFQUEUE --queue-num 0 --queue-bypass
 * and this program as the queue's consumer. Every packet gets the same delay, so a FIFO of
 * (packet id, due time) is enough: the head is always the next packet to release. The loop
 * never blocks on one packet: it polls the queue socket with a timeout equal to the time left
 * for the head packet. If the FIFO is full a packet is accepted at once (never dropped).
 *
 *   delayq --queue N --delay-ms MS [--pidfile FILE]
 *
 * The pid file is written once the queue is bound (a readiness signal for the lab script).
 * SIGTERM or SIGINT: release every held packet, unbind, remove the pid file, exit 0.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <linux/netfilter.h>
#include <linux/netlink.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define FIFO_SIZE 8192 /* > kernel queue length below, so it only fills if the kernel misbehaves */
#define QUEUE_MAXLEN 4096

struct held {
    uint32_t id;
    uint64_t due_ns;
};

static struct held fifo[FIFO_SIZE];
static unsigned head, count;
static uint64_t delay_ns;
static struct nfq_q_handle *queue;
static volatile sig_atomic_t stopping;

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void accept_packet(uint32_t id) {
    if (nfq_set_verdict(queue, id, NF_ACCEPT, 0, NULL) < 0)
        fprintf(stderr, "delayq: verdict for packet %u failed: %s\n", id, strerror(errno));
}

static int on_packet(struct nfq_q_handle *qh, struct nfgenmsg *msg, struct nfq_data *nfa, void *data) {
    (void)qh, (void)msg, (void)data;
    struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(nfa);
    if (!ph) return 0;
    uint32_t id = ntohl(ph->packet_id);
    if (count == FIFO_SIZE) {
        accept_packet(id);
        return 0;
    }
    fifo[(head + count) % FIFO_SIZE] = (struct held){id, now_ns() + delay_ns};
    count++;
    return 0;
}

static void release_due(uint64_t now) {
    while (count && fifo[head].due_ns <= now) {
        accept_packet(fifo[head].id);
        head = (head + 1) % FIFO_SIZE;
        count--;
    }
}

static void on_signal(int sig) {
    (void)sig;
    stopping = 1;
}

static void usage(void) {
    fprintf(stderr, "usage: delayq --queue N --delay-ms MS [--pidfile FILE]\n");
    exit(2);
}

int main(int argc, char **argv) {
    long qnum = -1, delay_ms = -1;
    const char *pidfile = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--queue") && i + 1 < argc) qnum = strtol(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--delay-ms") && i + 1 < argc) delay_ms = strtol(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--pidfile") && i + 1 < argc) pidfile = argv[++i];
        else usage();
    }
    if (qnum < 0 || qnum > 65535 || delay_ms < 0 || delay_ms > 60000) usage();
    delay_ns = (uint64_t)delay_ms * 1000000u;

    struct sigaction sa = {.sa_handler = on_signal}; /* no SA_RESTART: ppoll returns EINTR */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    struct nfq_handle *h = nfq_open();
    if (!h) { perror("delayq: nfq_open"); return 1; }
    queue = nfq_create_queue(h, (uint16_t)qnum, on_packet, NULL);
    if (!queue) { fprintf(stderr, "delayq: cannot bind queue %ld: %s\n", qnum, strerror(errno)); return 1; }
    if (nfq_set_mode(queue, NFQNL_COPY_META, 0) < 0) { perror("delayq: nfq_set_mode"); return 1; }
    nfq_set_queue_maxlen(queue, QUEUE_MAXLEN);
    /* If the queue overflows anyway, the kernel accepts instead of dropping. */
    nfq_set_queue_flags(queue, NFQA_CFG_F_FAIL_OPEN, NFQA_CFG_F_FAIL_OPEN);
    int fd = nfq_fd(h);
    int rcvbuf = 8 * 1024 * 1024, one = 1;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf);
    setsockopt(fd, SOL_NETLINK, NETLINK_NO_ENOBUFS, &one, sizeof one);

    if (pidfile) {
        FILE *f = fopen(pidfile, "w");
        if (!f) { fprintf(stderr, "delayq: cannot write %s: %s\n", pidfile, strerror(errno)); return 1; }
        fprintf(f, "%d\n", (int)getpid());
        fclose(f);
    }

    static char buf[65536] __attribute__((aligned));
    while (!stopping) {
        struct timespec timeout = {1, 0}, *tp = &timeout;
        if (count) {
            uint64_t now = now_ns(), due = fifo[head].due_ns;
            uint64_t left = due > now ? due - now : 0;
            timeout.tv_sec = (time_t)(left / 1000000000u);
            timeout.tv_nsec = (long)(left % 1000000000u);
        }
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int ready = ppoll(&pfd, 1, tp, NULL);
        if (ready < 0 && errno != EINTR) { perror("delayq: ppoll"); break; }
        if (ready > 0) {
            for (;;) {
                ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
                if (n > 0) { nfq_handle_packet(h, buf, (int)n); continue; }
                if (n < 0 && errno == ENOBUFS) continue; /* lost notifications; keep reading */
                break;
            }
        }
        release_due(now_ns());
    }
    release_due(UINT64_MAX);
    nfq_destroy_queue(queue);
    nfq_close(h);
    if (pidfile) unlink(pidfile);
    return 0;
}
