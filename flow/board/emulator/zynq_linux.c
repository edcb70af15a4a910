// SPDX-License-Identifier: BSD-3-Clause
// Copyright (c) 2026 the qnnflow authors
//
// The board's Linux below an unmodified pynq 3, in the driver's process (LD_PRELOAD), and XRT's
// libxrt_core.so (pynq 3.0.1 loads $XILINX_XRT/lib/libxrt_core.so with ctypes; pynq 3.1 calls
// pyxrt, which the emulated board's pyxrt.py serves over this library): the one library serves
// both. Everything it does is answered by the emulated board (flow/board/emulator/zynq_linux.py)
// over a Unix socket:
//   /dev/mem      mmap of a PL or PS register window gives pages with no access; each load or
//                 store faults, the handler asks the board for the register (read) or tells it
//                 the stored word after single-stepping the store (write): every access to a
//                 register is one bus transaction, as on the board. DDR maps the board's DDR file.
//   fpga_manager  /sys/class/fpga_manager/..., /lib/firmware/... and /proc/device-tree/... are
//                 files under $PYNQ_BOARD_ROOT; closing fpga0/firmware after a write programs the PL.
//                 So are the files pynq keeps the loaded bitstream's state in (its pl_server/
//                 folder): that state is the board's, one per emulated board, not the install's.
//   XRT           buffer objects are allocated by the board in its CMA window and mapped from
//                 the DDR file (which the board's DMA reads and writes).
//   the CPU       uname()'s machine is $PYNQ_BOARD_MACHINE, the board's (armv7l, aarch64: pynq picks
//                 its Zynq-7000 or its UltraScale+ code by it); geteuid() is root's.
// Register accesses are taken as 32-bit words (pynq's MMIO is a uint32 array).
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <ucontext.h>
#include <unistd.h>

enum { OP_MAP = 1, OP_READ, OP_WRITE, OP_PROGRAM, OP_ALLOC, OP_FREE };
enum { KIND_DDR = 1, KIND_DEVICE = 2 };
struct request { uint32_t op, pad; uint64_t a, b; };
struct reply { int64_t status; uint64_t value; };

static int board = -1;

static int exchange(uint32_t op, uint64_t a, uint64_t b, uint64_t *value) {
    // async-signal-safe: only socket, connect, read and write
    if (board < 0) {
        const char *path = getenv("PYNQ_BOARD_SOCKET");
        struct sockaddr_un addr = {.sun_family = AF_UNIX};
        if (!path || strlen(path) >= sizeof addr.sun_path) return -ENOENT;
        strcpy(addr.sun_path, path);
        board = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (board < 0 || connect(board, (struct sockaddr *)&addr, sizeof addr) < 0) return -ECONNREFUSED;
    }
    struct request rq = {op, 0, a, b};
    struct reply rp;
    if (write(board, &rq, sizeof rq) != sizeof rq) return -EIO;
    for (size_t got = 0; got < sizeof rp;) {
        ssize_t n = read(board, (char *)&rp + got, sizeof rp - got);
        if (n <= 0) return -EIO;
        got += (size_t)n;
    }
    if (value) *value = rp.value;
    return (int)rp.status;
}

#define REAL(name) static __typeof__(name) *real_##name; if (!real_##name) real_##name = dlsym(RTLD_NEXT, #name)

// --- files: the board's fixed paths live under $PYNQ_BOARD_ROOT
static const char *const BOARD_PATHS[] = {"/sys/class/fpga_manager/", "/lib/firmware/",
                                         "/proc/device-tree/", NULL};
static const char FIRMWARE[] = "/sys/class/fpga_manager/fpga0/firmware";

// pynq's state files in its pl_server/ folder: global_pl_state.json (3.0.1),
// global_pl_state_<device tag>.json (3.1) and _current_metadata.pkl
static const char PL_SERVER[] = "/pynq/pl_server/";

static bool is_pl_state(const char *name) {
    size_t n = strlen(name);
    return strcmp(name, "_current_metadata.pkl") == 0 ||
           (strncmp(name, "global_pl_state", 15) == 0 && n > 5 && strcmp(name + n - 5, ".json") == 0);
}

static const char *board_path(const char *path, char *buf) {
    const char *root = getenv("PYNQ_BOARD_ROOT");
    if (!root || !path) return path;
    for (const char *const *p = BOARD_PATHS; *p; p++)
        if (strncmp(path, *p, strlen(*p)) == 0) {
            snprintf(buf, PATH_MAX, "%s%s", root, path);
            return buf;
        }
    const char *name = strrchr(path, '/');
    if (name && name - path >= (long)strlen(PL_SERVER) - 1 &&
        strncmp(name - strlen(PL_SERVER) + 1, PL_SERVER, strlen(PL_SERVER)) == 0 && is_pl_state(name + 1)) {
        snprintf(buf, PATH_MAX, "%s/pynq_state%s", root, name);
        return buf;
    }
    return path;
}

static int firmware_fd = -1;   // fpga0/firmware opened for writing: closing it programs the PL

static int opened(const char *path, int flags, int fd) {
    if (fd >= 0 && strcmp(path, FIRMWARE) == 0 && (flags & (O_WRONLY | O_RDWR))) firmware_fd = fd;
    return fd;
}

static int open_any(const char *path, int flags, mode_t mode) {
    REAL(open);
    char buf[PATH_MAX];
    if (path && strcmp(path, "/dev/mem") == 0 && getenv("PYNQ_BOARD_ROOT"))
        return real_open("/dev/null", flags & ~O_SYNC, mode);   // its mmap is what matters
    return opened(path, flags, real_open(board_path(path, buf), flags, mode));
}

#define MODE_ARG mode_t mode = 0; if (flags & (O_CREAT | O_TMPFILE)) { va_list ap; va_start(ap, flags); mode = va_arg(ap, mode_t); va_end(ap); }
int open(const char *path, int flags, ...) { MODE_ARG return open_any(path, flags, mode); }
int open64(const char *path, int flags, ...) { MODE_ARG return open_any(path, flags, mode); }
int __open_2(const char *path, int flags) { return open_any(path, flags, 0); }
int __open64_2(const char *path, int flags) { return open_any(path, flags, 0); }

static int openat_any(int dirfd, const char *path, int flags, mode_t mode) {
    if (path && path[0] == '/') return open_any(path, flags, mode);
    REAL(openat);
    return real_openat(dirfd, path, flags, mode);
}
int openat(int dirfd, const char *path, int flags, ...) { MODE_ARG return openat_any(dirfd, path, flags, mode); }
int openat64(int dirfd, const char *path, int flags, ...) { MODE_ARG return openat_any(dirfd, path, flags, mode); }

int stat(const char *path, struct stat *st) { REAL(stat); char b[PATH_MAX]; return real_stat(board_path(path, b), st); }
int stat64(const char *path, struct stat64 *st) { REAL(stat64); char b[PATH_MAX]; return real_stat64(board_path(path, b), st); }
int lstat(const char *path, struct stat *st) { REAL(lstat); char b[PATH_MAX]; return real_lstat(board_path(path, b), st); }
int lstat64(const char *path, struct stat64 *st) { REAL(lstat64); char b[PATH_MAX]; return real_lstat64(board_path(path, b), st); }
int fstatat(int dirfd, const char *path, struct stat *st, int flags) {
    REAL(fstatat); char b[PATH_MAX]; return real_fstatat(dirfd, board_path(path, b), st, flags);
}
int fstatat64(int dirfd, const char *path, struct stat64 *st, int flags) {
    REAL(fstatat64); char b[PATH_MAX]; return real_fstatat64(dirfd, board_path(path, b), st, flags);
}
int unlink(const char *path) { REAL(unlink); char b[PATH_MAX]; return real_unlink(board_path(path, b)); }
int access(const char *path, int mode) { REAL(access); char b[PATH_MAX]; return real_access(board_path(path, b), mode); }

int close(int fd) {
    REAL(close);
    int rc = real_close(fd);
    if (fd == firmware_fd && rc == 0) {
        firmware_fd = -1;
        int status = exchange(OP_PROGRAM, 0, 0, NULL);
        if (status != 0) { errno = EINVAL; return -1; }   // what fpga_manager's write fails with
    }
    return rc;
}

// --- /dev/mem: register windows trap every access
#define MAX_WINDOWS 256
struct window { uintptr_t start; size_t length; uint64_t phys; };
static struct window windows[MAX_WINDOWS];
static struct { uintptr_t word, page; uint64_t phys; bool write, active; } pending;
static long page_size;

static bool is_devmem(int fd) {
    struct stat st;
    return getenv("PYNQ_BOARD_ROOT") && fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) &&
           st.st_rdev == makedev(1, 3);
}

static void *map_ddr(size_t length, int prot, uint64_t phys) {
    REAL(open); REAL(mmap); REAL(close);
    const char *ddr = getenv("PYNQ_BOARD_DDR");
    uint64_t base = strtoull(getenv("PYNQ_BOARD_DDR_BASE") ?: "0", NULL, 0);
    int fd = ddr ? real_open(ddr, O_RDWR | O_CLOEXEC, 0) : -1;
    if (fd < 0) return MAP_FAILED;
    void *p = real_mmap(NULL, length, prot, MAP_SHARED, fd, (off_t)(phys - base));
    real_close(fd);
    return p;
}

static struct window *window_of(uintptr_t address) {
    for (int i = 0; i < MAX_WINDOWS; i++)
        if (windows[i].length && address >= windows[i].start && address < windows[i].start + windows[i].length)
            return &windows[i];
    return NULL;
}

static void on_fault(int sig, siginfo_t *info, void *context) {
    ucontext_t *uc = context;
    struct window *w = window_of((uintptr_t)info->si_addr);
    if (!w) {   // not a register: the process' own fault
        signal(sig, SIG_DFL);
        return;
    }
    uintptr_t word = (uintptr_t)info->si_addr & ~(uintptr_t)3;
    pending.word = word;
    pending.page = word & ~(uintptr_t)(page_size - 1);
    pending.phys = w->phys + (word - w->start);
    pending.write = uc->uc_mcontext.gregs[REG_ERR] & 2;
    pending.active = true;
    mprotect((void *)pending.page, page_size, PROT_READ | PROT_WRITE);
    if (!pending.write) {
        uint64_t value = 0;
        if (exchange(OP_READ, pending.phys, 0, &value) != 0) value = 0xFFFFFFFF;   // a bus error reads all ones
        *(volatile uint32_t *)word = (uint32_t)value;
    }
    uc->uc_mcontext.gregs[REG_EFL] |= 0x100;   // trap after the one instruction
}

static void on_step(int sig, siginfo_t *info, void *context) {
    ucontext_t *uc = context;
    uc->uc_mcontext.gregs[REG_EFL] &= ~0x100;
    if (!pending.active) return;
    pending.active = false;
    if (pending.write) exchange(OP_WRITE, pending.phys, *(volatile uint32_t *)pending.word, NULL);
    mprotect((void *)pending.page, page_size, PROT_NONE);
}

static void install_handlers(void) {
    static bool installed;
    if (installed) return;
    installed = true;
    page_size = sysconf(_SC_PAGESIZE);
    struct sigaction sa = {.sa_flags = SA_SIGINFO | SA_NODEFER};
    sigemptyset(&sa.sa_mask);
    sa.sa_sigaction = on_fault;
    sigaction(SIGSEGV, &sa, NULL);
    sa.sa_sigaction = on_step;
    sigaction(SIGTRAP, &sa, NULL);
}

static void *map_devmem(void *addr, size_t length, int prot, off_t offset) {
    REAL(mmap);
    uint64_t kind = 0;
    if (exchange(OP_MAP, (uint64_t)offset, length, &kind) != 0) { errno = ENXIO; return MAP_FAILED; }
    if (kind == KIND_DDR) return map_ddr(length, prot, (uint64_t)offset);
    void *p = real_mmap(addr, length, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return p;
    for (int i = 0; i < MAX_WINDOWS; i++)
        if (!windows[i].length) {
            windows[i] = (struct window){(uintptr_t)p, length, (uint64_t)offset};
            install_handlers();
            return p;
        }
    munmap(p, length);
    errno = ENOMEM;
    return MAP_FAILED;
}

void *mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset) {
    REAL(mmap);
    if (fd >= 0 && !(flags & MAP_ANONYMOUS) && is_devmem(fd)) return map_devmem(addr, length, prot, offset);
    return real_mmap(addr, length, prot, flags, fd, offset);
}
void *mmap64(void *addr, size_t length, int prot, int flags, int fd, off_t offset) {
    return mmap(addr, length, prot, flags, fd, offset);
}

int munmap(void *addr, size_t length) {
    REAL(munmap);
    struct window *w = window_of((uintptr_t)addr);
    if (w && w->start == (uintptr_t)addr) w->length = 0;
    return real_munmap(addr, length);
}

// --- the CPU and the user pynq runs as on the board
int uname(struct utsname *buf) {
    REAL(uname);
    int rc = real_uname(buf);
    const char *machine = getenv("PYNQ_BOARD_MACHINE");
    if (rc == 0 && machine && strlen(machine) < sizeof buf->machine) strcpy(buf->machine, machine);
    return rc;
}
uid_t geteuid(void) { REAL(geteuid); return getenv("PYNQ_BOARD_ROOT") ? 0 : real_geteuid(); }

// --- XRT (the xcl* calls pynq 3's XrtDevice makes on an embedded board)
struct bo_properties { unsigned handle, flags; unsigned long long size, paddr; unsigned domain; };
#define MAX_BOS 4096
static struct { uint64_t phys, size; bool live; } bos[MAX_BOS];
static int device_handle;

void *xclOpen(unsigned index, const char *log, int level) { return index == 0 ? &device_handle : NULL; }
void xclClose(void *handle) {}
int xclGetDeviceInfo2(void *handle, void *info) { return 0; }
int xclGetUsageInfo(void *handle, void *info) { return 0; }
int xclLockDevice(void *handle) { return 0; }
int xclUnlockDevice(void *handle) { return 0; }
// on a Zynq the xclbin only names the memories: fpga_manager programmed the PL
int xclLoadXclBin(void *handle, const void *xclbin) { return 0; }
int xclOpenContext(void *handle, const void *uuid, unsigned ip, bool shared) { return 0; }
int xclCloseContext(void *handle, const void *uuid, unsigned ip) { return 0; }

unsigned xclAllocBO(void *handle, size_t size, int domain, unsigned flags) {
    for (unsigned i = 1; i < MAX_BOS; i++)
        if (!bos[i].live) {
            uint64_t phys = 0;
            if (exchange(OP_ALLOC, size, 0, &phys) != 0) return 0xFFFFFFFFu;   // NULLBO
            bos[i].phys = phys, bos[i].size = size, bos[i].live = true;
            return i;
        }
    return 0xFFFFFFFFu;
}

void *xclMapBO(void *handle, unsigned bo, bool write) {
    if (bo >= MAX_BOS || !bos[bo].live) return NULL;
    void *p = map_ddr(bos[bo].size, PROT_READ | PROT_WRITE, bos[bo].phys);
    return p == MAP_FAILED ? NULL : p;
}

int xclGetBOProperties(void *handle, unsigned bo, struct bo_properties *properties) {
    if (bo >= MAX_BOS || !bos[bo].live) return -EINVAL;
    *properties = (struct bo_properties){bo, 0, bos[bo].size, bos[bo].phys, 0};
    return 0;
}

// the emulated DDR has no CPU cache in front of it: a flush or invalidate has nothing to do
int xclSyncBO(void *handle, unsigned bo, int direction, size_t size, size_t offset) {
    return bo < MAX_BOS && bos[bo].live ? 0 : -EINVAL;
}

void xclFreeBO(void *handle, unsigned bo) {
    if (bo >= MAX_BOS || !bos[bo].live) return;
    exchange(OP_FREE, bos[bo].phys, 0, NULL);
    bos[bo].live = false;
}
