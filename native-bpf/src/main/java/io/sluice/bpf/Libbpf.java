package io.sluice.bpf;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Downcall handles into libbpf.so.1 (libbpf 1.x: low-level calls return -errno, pointer
 * calls return NULL and set errno, which {@link #errno} reads from the captured call state),
 * and the few C library calls a map's file descriptor and a ring buffer's pages need.
 */
final class Libbpf {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIB = load();
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    private static final java.lang.foreign.StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO_HANDLE =
            CALL_STATE.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));

    static final MethodHandle OBJECT_OPEN_FILE = errnoFn("bpf_object__open_file", ADDRESS, ADDRESS, ADDRESS);
    static final MethodHandle OBJECT_LOAD = fn("bpf_object__load", JAVA_INT, ADDRESS);
    static final MethodHandle OBJECT_CLOSE = voidFn("bpf_object__close", ADDRESS);
    static final MethodHandle FIND_PROGRAM = fn("bpf_object__find_program_by_name", ADDRESS, ADDRESS, ADDRESS);
    static final MethodHandle PROGRAM_FD = fn("bpf_program__fd", JAVA_INT, ADDRESS);
    static final MethodHandle FIND_MAP = fn("bpf_object__find_map_by_name", ADDRESS, ADDRESS, ADDRESS);
    static final MethodHandle MAP_FD = fn("bpf_map__fd", JAVA_INT, ADDRESS);
    static final MethodHandle MAP_UPDATE = fn("bpf_map_update_elem", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG);
    static final MethodHandle MAP_LOOKUP = fn("bpf_map_lookup_elem", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
    static final MethodHandle MAP_DELETE = fn("bpf_map_delete_elem", JAVA_INT, JAVA_INT, ADDRESS);
    static final MethodHandle MAP_NEXT_KEY = fn("bpf_map_get_next_key", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
    static final MethodHandle MAP_CREATE =
            fn("bpf_map_create", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS);
    static final MethodHandle OBJ_PIN = fn("bpf_obj_pin", JAVA_INT, JAVA_INT, ADDRESS);
    static final MethodHandle OBJ_GET = fn("bpf_obj_get", JAVA_INT, ADDRESS);
    static final MethodHandle OBJ_INFO = fn("bpf_obj_get_info_by_fd", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
    static final MethodHandle TC_HOOK_CREATE = fn("bpf_tc_hook_create", JAVA_INT, ADDRESS);
    /** {@code libbpf_print_fn_t libbpf_set_print(libbpf_print_fn_t fn)}: NULL prints nothing; returns the previous one. */
    static final MethodHandle SET_PRINT = fn("libbpf_set_print", ADDRESS, ADDRESS);
    static final MethodHandle TC_HOOK_DESTROY = fn("bpf_tc_hook_destroy", JAVA_INT, ADDRESS);
    static final MethodHandle TC_ATTACH = fn("bpf_tc_attach", JAVA_INT, ADDRESS, ADDRESS);
    static final MethodHandle TC_DETACH = fn("bpf_tc_detach", JAVA_INT, ADDRESS, ADDRESS);
    static final MethodHandle TEST_RUN = fn("bpf_prog_test_run_opts", JAVA_INT, JAVA_INT, ADDRESS);
    static final MethodHandle CLOSE = libc("close", JAVA_INT, JAVA_INT);
    /** The C library's, for a ring buffer's pages: {@code mmap}, {@code munmap}, {@code poll}, {@code getpagesize}. */
    static final MethodHandle MMAP = LINKER.downcallHandle(LINKER.defaultLookup().find("mmap").orElseThrow(),
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG), ERRNO);
    static final MethodHandle MUNMAP = libc("munmap", JAVA_INT, ADDRESS, JAVA_LONG);
    static final MethodHandle POLL = libc("poll", JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT);
    static final MethodHandle PAGE_SIZE = libc("getpagesize", JAVA_INT);

    private Libbpf() {}

    private static SymbolLookup load() {
        try {
            return SymbolLookup.libraryLookup("libbpf.so.1", Arena.global());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(
                    "libbpf.so.1 not found: install libbpf1 (run 'make deps' in the Sluice checkout)", e);
        }
    }

    private static MethodHandle fn(String name, ValueLayout ret, ValueLayout... args) {
        return LINKER.downcallHandle(symbol(name), FunctionDescriptor.of(ret, args));
    }

    private static MethodHandle voidFn(String name, ValueLayout... args) {
        return LINKER.downcallHandle(symbol(name), FunctionDescriptor.ofVoid(args));
    }

    /** A handle whose first argument is the call-state segment that receives errno. */
    private static MethodHandle errnoFn(String name, ValueLayout ret, ValueLayout... args) {
        return LINKER.downcallHandle(symbol(name), FunctionDescriptor.of(ret, args), ERRNO);
    }

    private static MethodHandle libc(String name, ValueLayout ret, ValueLayout... args) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), FunctionDescriptor.of(ret, args));
    }

    private static MemorySegment symbol(String name) {
        return LIB.find(name).orElseThrow(() -> new IllegalStateException("libbpf lacks " + name + " (need libbpf 1.x)"));
    }

    static MemorySegment callState(Arena arena) {
        return arena.allocate(CALL_STATE);
    }

    static int errno(MemorySegment callState) {
        return (int) ERRNO_HANDLE.get(callState, 0L);
    }

    /** Invokes a handle whose C function returns int; any Throwable here is a bug, not input. */
    static int call(MethodHandle h, Object... args) {
        try {
            return (int) h.invokeWithArguments(args);
        } catch (Throwable t) {
            throw new IllegalStateException("native call failed", t);
        }
    }

    /** Invokes a handle whose C function returns void. */
    static void run(MethodHandle h, Object... args) {
        try {
            h.invokeWithArguments(args);
        } catch (Throwable t) {
            throw new IllegalStateException("native call failed", t);
        }
    }

    /**
     * Runs a call whose failure the caller expects and handles, without libbpf printing the
     * kernel's message for it. libbpf's printer is process-wide: what other threads have libbpf
     * print meanwhile is not printed either.
     */
    static int quietly(MethodHandle h, Object... args) {
        MemorySegment printer;
        try {
            printer = (MemorySegment) SET_PRINT.invoke(MemorySegment.NULL);
        } catch (Throwable t) {
            throw new IllegalStateException("native call failed", t);
        }
        try {
            return call(h, args);
        } finally {
            try {
                SET_PRINT.invoke(printer);
            } catch (Throwable t) {
                throw new IllegalStateException("native call failed", t);
            }
        }
    }

    static void closeFd(int fd) {
        if (fd >= 0) {
            call(CLOSE, fd);
        }
    }
}
