// A tiny interpreter for BPF_PROG_TYPE_CGROUP_DEVICE programs, for unit
// tests: the kernel has no test-run for this program type.  It knows the
// instructions a device filter needs (loads from the context, 32/64-bit
// mov/and/or/shift, conditional and unconditional jumps in both jump
// classes, exit) and refuses what the verifier would: a jump backwards or
// out of the program, a read of a register never written, an exit without
// r0, a load that is not from the context, any other opcode.
#pragma once

#include <linux/bpf.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace unit::bpf {

struct Request {
    uint32_t type = 0;  // BPF_DEVCG_DEV_BLOCK, BPF_DEVCG_DEV_CHAR
    uint32_t major = 0, minor = 0;
    uint32_t access = 0;  // BPF_DEVCG_ACC_* bits
};

struct Result {
    bool ok = false;
    uint64_t r0 = 0;
    std::string error;
};

inline Result run(const std::vector<bpf_insn>& prog, const Request& q) {
    bpf_cgroup_dev_ctx ctx{};
    ctx.access_type = q.access << 16 | q.type;
    ctx.major = q.major;
    ctx.minor = q.minor;
    unsigned char bytes[sizeof ctx];
    std::memcpy(bytes, &ctx, sizeof ctx);

    uint64_t reg[11] = {};
    bool set[11] = {};
    set[1] = true;  // the context pointer, only ever loaded from
    bool r1_is_ctx = true;
    auto fail = [](std::string why) { return Result{false, 0, std::move(why)}; };

    for (size_t pc = 0; pc < prog.size();) {
        const bpf_insn& i = prog[pc];
        const std::string at = "insn " + std::to_string(pc) + ": ";
        const uint8_t cls = BPF_CLASS(i.code);
        if (i.dst_reg > 10 || i.src_reg > 10) return fail(at + "bad register");
        auto read = [&](int r, uint64_t& v) {
            if (!set[r] || (r == 1 && r1_is_ctx)) return false;
            v = reg[r];
            return true;
        };
        if (cls == BPF_LDX) {
            if (BPF_MODE(i.code) != BPF_MEM || i.src_reg != 1 || !r1_is_ctx) return fail(at + "load not from the context");
            const int size = BPF_SIZE(i.code) == BPF_W ? 4 : BPF_SIZE(i.code) == BPF_H ? 2 : BPF_SIZE(i.code) == BPF_B ? 1 : 0;
            if (size == 0 || i.off < 0 || size_t(i.off) + size_t(size) > sizeof ctx || i.off % size != 0)
                return fail(at + "bad context load");
            uint64_t v = 0;
            std::memcpy(&v, bytes + i.off, size_t(size));  // little-endian host, as the kernel's
            reg[i.dst_reg] = v;
            set[i.dst_reg] = true;
            if (i.dst_reg == 1) r1_is_ctx = false;
            ++pc;
        } else if (cls == BPF_ALU || cls == BPF_ALU64) {
            uint64_t src = 0, dst = 0;
            if (BPF_SRC(i.code) == BPF_X) {
                if (!read(i.src_reg, src)) return fail(at + "read of an unset register");
            } else {
                src = uint64_t(int64_t(i.imm));
            }
            const uint8_t op = BPF_OP(i.code);
            if (op != BPF_MOV && !read(i.dst_reg, dst)) return fail(at + "read of an unset register");
            uint64_t out;
            switch (op) {
                case BPF_MOV: out = src; break;
                case BPF_AND: out = dst & src; break;
                case BPF_OR: out = dst | src; break;
                case BPF_RSH:
                    out = cls == BPF_ALU ? uint32_t(dst) >> (src & 31) : dst >> (src & 63);
                    break;
                case BPF_LSH: out = cls == BPF_ALU ? uint32_t(dst) << (src & 31) : dst << (src & 63); break;
                default: return fail(at + "unknown ALU op");
            }
            if (cls == BPF_ALU) out = uint32_t(out);
            reg[i.dst_reg] = out;
            set[i.dst_reg] = true;
            if (i.dst_reg == 1) r1_is_ctx = false;
            ++pc;
        } else if (cls == BPF_JMP || cls == BPF_JMP32) {
            const uint8_t op = BPF_OP(i.code);
            if (op == BPF_EXIT) {
                if (cls != BPF_JMP) return fail(at + "exit in the JMP32 class");
                if (!set[0]) return fail(at + "exit without r0");
                return Result{true, reg[0], ""};
            }
            bool taken;
            if (op == BPF_JA) {
                if (cls != BPF_JMP) return fail(at + "ja in the JMP32 class");
                taken = true;
            } else {
                uint64_t a, b;
                if (!read(i.dst_reg, a)) return fail(at + "read of an unset register");
                if (BPF_SRC(i.code) == BPF_X) {
                    if (!read(i.src_reg, b)) return fail(at + "read of an unset register");
                } else {
                    b = uint64_t(int64_t(i.imm));
                }
                if (cls == BPF_JMP32) a = uint32_t(a), b = uint32_t(b);
                switch (op) {
                    case BPF_JEQ: taken = a == b; break;
                    case BPF_JNE: taken = a != b; break;
                    case BPF_JSET: taken = (a & b) != 0; break;
                    case BPF_JGT: taken = a > b; break;
                    case BPF_JGE: taken = a >= b; break;
                    case BPF_JLT: taken = a < b; break;
                    case BPF_JLE: taken = a <= b; break;
                    default: return fail(at + "unknown jump op");
                }
            }
            if (i.off < 0) return fail(at + "backward jump");
            const size_t next = pc + 1 + (taken ? size_t(i.off) : 0);
            if (next >= prog.size()) return fail(at + "jump out of the program");
            pc = next;
        } else {
            return fail(at + "unknown instruction class");
        }
    }
    return fail("fell off the end of the program");
}

}  // namespace unit::bpf
