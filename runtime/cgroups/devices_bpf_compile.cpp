// The device rules compiled into a BPF_PROG_TYPE_CGROUP_DEVICE program.
//
// The meaning is fixed (linux.resources.devices): the last rule that
// matches a request decides, and a request no rule matches is denied.  A
// rule matches a request (type, major, minor, access) when its type is 'a'
// or the request's, its major and minor are -1 or the request's, and every
// access bit asked for is in the rule's access.  The program is made small
// without changing that meaning, in four steps over the rules taken last
// first (the order they are consulted in):
//   1. a rule that matches everything decides every request that reaches
//      it: it becomes the program's default and the rules before it go;
//   2. a rule every request of which is matched by a rule consulted before
//      it (a covering one) never decides: it goes;
//   3. a rule whose verdict is the default's, where no rule consulted after
//      it with the other verdict could match any of its requests, decides
//      what falling through would: it goes;
//   4. neighbouring rules with the same verdict decide alike whichever of
//      them matches first: each such run is emitted as one set test, its
//      rules grouped by type, then access, then major, so that one compare
//      serves many rules (the default list: 12 allow rules, one run).
// Then jumps are threaded, dead code dropped, and a conditional jump over an
// unconditional one inverted.  Major and minor are compared as 32-bit
// values (BPF_JMP32), so every value a rule can hold compares exactly.
#include <linux/bpf.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <vector>

#include "cgroups/devices_bpf.hpp"

namespace skiff::cgroups {

namespace {

constexpr unsigned kAccAll = BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE;

// A rule as the compiler reasons about it.
struct Rule {
    bool allow;
    int type;        // 0: any, else BPF_DEVCG_DEV_BLOCK or BPF_DEVCG_DEV_CHAR
    int64_t major;   // -1: any
    int64_t minor;   // -1: any
    unsigned access; // within kAccAll
};

Rule normalize(const DeviceRule& d) {
    int type = d.type == 'a' ? 0 : d.type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR;
    return {d.allow, type, d.major < 0 ? -1 : d.major, d.minor < 0 ? -1 : d.minor, d.access & kAccAll};
}

bool matches_everything(const Rule& r) {
    return r.type == 0 && r.major < 0 && r.minor < 0 && r.access == kAccAll;
}

// Every request b matches, a matches too.
bool covers(const Rule& a, const Rule& b) {
    return (a.type == 0 || a.type == b.type) && (a.major < 0 || a.major == b.major) &&
           (a.minor < 0 || a.minor == b.minor) && (b.access & ~a.access) == 0;
}

// Some request matches both.  Access never keeps two rules apart: a request
// that asks for no access bit (the kernel makes none, but the context can
// hold one) matches every rule.
bool overlap(const Rule& a, const Rule& b) {
    return (a.type == 0 || b.type == 0 || a.type == b.type) && (a.major < 0 || b.major < 0 || a.major == b.major) &&
           (a.minor < 0 || b.minor < 0 || a.minor == b.minor);
}

// ---- a small assembler: symbolic forward jumps and a peephole pass ----

constexpr uint8_t kJmp32 = BPF_JMP32;  // linux >= 5.1

struct Op {
    bpf_insn insn{};
    int target = -1;  // label of a jump
    int label = -1;   // >= 0: not an instruction but the place of this label
};

class Asm {
  public:
    int new_label() { return labels_++; }
    void place(int label) {
        Op o;
        o.label = label;
        ops_.push_back(o);
    }
    void op(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
        Op o;
        o.insn.code = code;
        o.insn.dst_reg = dst & 0xf;
        o.insn.src_reg = src & 0xf;
        o.insn.off = off;
        o.insn.imm = imm;
        ops_.push_back(o);
    }
    // if (uint32(reg) OP imm) goto label
    void jump32(uint8_t jop, uint8_t reg, uint32_t imm, int label) {
        op(kJmp32 | jop | BPF_K, reg, 0, 0, int32_t(imm));
        ops_.back().target = label;
    }
    void jump(int label) {
        op(BPF_JMP | BPF_JA, 0, 0, 0, 0);
        ops_.back().target = label;
    }
    void ret(int value) {
        op(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, value);
        op(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
    }

    std::vector<bpf_insn> finish() {
        while (thread_jumps() | drop_unreachable() | drop_jumps_to_next() | invert_over_ja()) {
        }
        std::vector<int> at(size_t(labels_), -1);
        std::vector<bpf_insn> out;
        for (const Op& o : ops_)
            if (o.label >= 0) at[size_t(o.label)] = int(out.size());
            else out.push_back(o.insn);
        size_t pc = 0;
        for (const Op& o : ops_) {
            if (o.label >= 0) continue;
            if (o.target >= 0) out[pc].off = int16_t(at[size_t(o.target)] - int(pc) - 1);
            ++pc;
        }
        return out;
    }

  private:
    static bool is_ja(const Op& o) { return o.label < 0 && o.insn.code == (BPF_JMP | BPF_JA); }
    static bool ends_flow(const Op& o) {
        return o.label < 0 && (o.insn.code == (BPF_JMP | BPF_JA) || o.insn.code == (BPF_JMP | BPF_EXIT));
    }
    // The first instruction at or after ops_[i] (labels skipped).
    size_t insn_from(size_t i) const {
        while (i < ops_.size() && ops_[i].label >= 0) ++i;
        return i;
    }
    size_t where(int label) const {
        for (size_t i = 0; i < ops_.size(); ++i)
            if (ops_[i].label == label) return i;
        return ops_.size();
    }

    // A jump to an unconditional jump goes straight to where that one goes.
    bool thread_jumps() {
        bool changed = false;
        for (Op& o : ops_) {
            if (o.label >= 0 || o.target < 0) continue;
            size_t t = insn_from(where(o.target));
            if (t < ops_.size() && is_ja(ops_[t]) && &ops_[t] != &o && ops_[t].target != o.target) {
                o.target = ops_[t].target;
                changed = true;
            }
        }
        return changed;
    }
    // Instructions after an unconditional jump or exit that no jump reaches.
    bool drop_unreachable() {
        std::set<int> used;
        for (const Op& o : ops_)
            if (o.label < 0 && o.target >= 0) used.insert(o.target);
        bool reachable = true, changed = false;
        std::vector<Op> kept;
        for (const Op& o : ops_) {
            if (o.label >= 0) {
                if (used.count(o.label)) reachable = true;
                kept.push_back(o);
                continue;
            }
            if (!reachable) {
                changed = true;
                continue;
            }
            kept.push_back(o);
            if (ends_flow(o)) reachable = false;
        }
        ops_ = std::move(kept);
        return changed;
    }
    // "goto next" is no instruction at all.
    bool drop_jumps_to_next() {
        for (size_t i = 0; i < ops_.size(); ++i) {
            if (!is_ja(ops_[i])) continue;
            for (size_t j = i + 1; j < ops_.size() && ops_[j].label >= 0; ++j)
                if (ops_[j].label == ops_[i].target) {
                    ops_.erase(ops_.begin() + long(i));
                    return true;
                }
        }
        return false;
    }
    // "if (x == k) goto L1; goto L2; L1:" is "if (x != k) goto L2; L1:"
    // (labels between the two jumps that no jump uses do not matter).
    bool invert_over_ja() {
        std::set<int> used;
        for (const Op& o : ops_)
            if (o.label < 0 && o.target >= 0) used.insert(o.target);
        for (size_t i = 0; i < ops_.size(); ++i) {
            Op& c = ops_[i];
            if (c.label >= 0 || c.target < 0) continue;
            const uint8_t cls = BPF_CLASS(c.insn.code), jop = BPF_OP(c.insn.code);
            if ((cls != BPF_JMP && cls != kJmp32) || (jop != BPF_JEQ && jop != BPF_JNE)) continue;
            size_t ja = i + 1;
            while (ja < ops_.size() && ops_[ja].label >= 0 && !used.count(ops_[ja].label)) ++ja;
            if (ja == ops_.size() || !is_ja(ops_[ja])) continue;
            bool lands_after = false;
            for (size_t j = ja + 1; j < ops_.size() && ops_[j].label >= 0; ++j) lands_after |= ops_[j].label == c.target;
            if (!lands_after) continue;
            c.insn.code = uint8_t(cls | (jop == BPF_JEQ ? BPF_JNE : BPF_JEQ) | BPF_SRC(c.insn.code));
            c.target = ops_[ja].target;
            ops_.erase(ops_.begin() + long(ja));
            return true;
        }
        return false;
    }

    std::vector<Op> ops_;
    int labels_ = 0;
};

// Registers: r1 the context (struct bpf_cgroup_dev_ctx), r2 its access_type
// word (access << 16 | type), r3 the type, r4 the major, r5 the minor.

using Majors = std::map<int64_t, std::set<int64_t>>;  // major (-1: any) -> minors (-1: any)

// A group that matches whatever passes its type and access test.
bool matches_all_numbers(const Majors& m) {
    auto any = m.find(-1);
    return any != m.end() && any->second.count(-1);
}

// One run of rules with one verdict: any of them matching jumps to `hit`;
// none matching falls through.  Grouped by type, then access; a group that
// ends in an unconditional jump to `hit` goes last, where that jump may
// turn into falling through.
void emit_run(Asm& a, const std::vector<Rule>& run, int hit) {
    std::map<int, std::map<unsigned, Majors>> tree;
    for (const Rule& r : run) tree[r.type][r.access][r.major].insert(r.minor);
    auto ends_in_hit = [](const std::map<unsigned, Majors>& by_access) {
        return std::any_of(by_access.begin(), by_access.end(), [](const auto& g) { return matches_all_numbers(g.second); });
    };
    std::vector<const std::pair<const int, std::map<unsigned, Majors>>*> types;
    for (const auto& t : tree)
        if (!ends_in_hit(t.second)) types.push_back(&t);
    for (const auto& t : tree)
        if (ends_in_hit(t.second)) types.push_back(&t);
    for (const auto* t : types) {
        const auto& [type, by_access] = *t;
        const int type_end = a.new_label();
        if (type != 0) a.jump32(BPF_JNE, BPF_REG_3, uint32_t(type), type_end);
        std::vector<const std::pair<const unsigned, Majors>*> groups;
        for (const auto& g : by_access)
            if (!matches_all_numbers(g.second)) groups.push_back(&g);
        for (const auto& g : by_access)
            if (matches_all_numbers(g.second)) groups.push_back(&g);
        for (const auto* g : groups) {
            const auto& [access, by_major] = *g;
            const int access_end = a.new_label();
            // A requested bit outside the rule's access: no match.
            if (access != kAccAll) a.jump32(BPF_JSET, BPF_REG_2, (~access & kAccAll) << 16, access_end);
            if (matches_all_numbers(by_major)) {
                a.jump(hit);
                a.place(access_end);
                continue;
            }
            if (auto any = by_major.find(-1); any != by_major.end())
                for (int64_t minor : any->second) a.jump32(BPF_JEQ, BPF_REG_5, uint32_t(minor), hit);
            for (const auto& [major, minors] : by_major) {
                if (major < 0) continue;
                if (minors.count(-1)) {
                    a.jump32(BPF_JEQ, BPF_REG_4, uint32_t(major), hit);
                    continue;
                }
                const int next_major = a.new_label();
                a.jump32(BPF_JNE, BPF_REG_4, uint32_t(major), next_major);
                for (int64_t minor : minors) a.jump32(BPF_JEQ, BPF_REG_5, uint32_t(minor), hit);
                a.place(next_major);
            }
            a.place(access_end);
        }
        a.place(type_end);
    }
}

}  // namespace

std::vector<bpf_insn> compile_device_filter(const std::vector<DeviceRule>& rules) {
    // 1. Last rule first; a rule matching everything ends the list.
    bool fallback = false;  // deny
    std::vector<Rule> consulted;
    for (auto it = rules.rbegin(); it != rules.rend(); ++it) {
        Rule r = normalize(*it);
        if (matches_everything(r)) {
            fallback = r.allow;
            break;
        }
        consulted.push_back(r);
    }
    // 2. Covered by a rule consulted before.
    std::vector<Rule> live;
    for (const Rule& r : consulted)
        if (std::none_of(live.begin(), live.end(), [&](const Rule& l) { return covers(l, r); })) live.push_back(r);
    // 3. Deciding what falling through would.
    std::vector<Rule> kept;
    for (size_t i = 0; i < live.size(); ++i) {
        const Rule& r = live[i];
        if (r.allow == fallback &&
            std::none_of(live.begin() + long(i) + 1, live.end(),
                         [&](const Rule& l) { return l.allow != fallback && overlap(l, r); }))
            continue;
        kept.push_back(r);
    }
    // 4. Runs of one verdict, each without the rules another of the run covers.
    std::vector<std::vector<Rule>> runs;
    for (const Rule& r : kept) {
        if (runs.empty() || runs.back().front().allow != r.allow) runs.emplace_back();
        runs.back().push_back(r);
    }
    bool need_word = false, need_type = false, need_major = false, need_minor = false;
    for (auto& run : runs) {
        std::vector<Rule> slim;
        for (size_t i = 0; i < run.size(); ++i) {
            bool covered = false;
            for (size_t j = 0; j < run.size() && !covered; ++j)
                // of two equal rules the later one stays
                covered = j != i && covers(run[j], run[i]) && (!covers(run[i], run[j]) || j > i);
            if (covered) continue;
            slim.push_back(run[i]);
            need_type |= run[i].type != 0;
            need_word |= run[i].type != 0 || run[i].access != kAccAll;
            need_major |= run[i].major >= 0;
            need_minor |= run[i].minor >= 0;
        }
        run = std::move(slim);
    }

    Asm a;
    if (need_word) a.op(BPF_LDX | BPF_W | BPF_MEM, BPF_REG_2, BPF_REG_1, 0, 0);
    if (need_type) {
        a.op(BPF_ALU | BPF_MOV | BPF_X, BPF_REG_3, BPF_REG_2, 0, 0);
        a.op(BPF_ALU | BPF_AND | BPF_K, BPF_REG_3, 0, 0, 0xffff);
    }
    if (need_major) a.op(BPF_LDX | BPF_W | BPF_MEM, BPF_REG_4, BPF_REG_1, 4, 0);
    if (need_minor) a.op(BPF_LDX | BPF_W | BPF_MEM, BPF_REG_5, BPF_REG_1, 8, 0);
    const int deny = a.new_label(), allow = a.new_label();
    for (const auto& run : runs) emit_run(a, run, run.front().allow ? allow : deny);
    // Falling out of the last run is the default's; the other verdict's
    // block comes first so that the last run's final hit can fall into it.
    const int fallback_label = fallback ? allow : deny;
    a.jump(fallback_label);
    a.place(fallback ? deny : allow);
    a.ret(fallback ? 0 : 1);
    a.place(fallback_label);
    a.ret(fallback ? 1 : 0);
    return a.finish();
}

}  // namespace skiff::cgroups
