// The copy behind the "tmpcopyup" mount option (crun's and runc's): a new
// tmpfs starts with what the directory it covers held.  That directory is
// the image's, so it is hostile: nothing in it is ever followed.  Every
// entry is reached by name from its parent directory's fd, opened with
// O_NOFOLLOW; a symlink is copied as a symlink (readlinkat/symlinkat), never
// resolved; no path is looked up through the host.
#pragma once

#include <cstddef>

#include "ocispec/error.hpp"

namespace skiff::linux {

struct CopyOptions {
    // Directories nested below the top at most.  Each level holds two fds
    // while it is copied; a bind mount of a directory into itself would
    // otherwise recurse until the tmpfs is full.
    size_t max_depth = 128;
    // Give the top of the copy the source directory's owner (the tmpfs
    // root otherwise belongs to whoever mounted it).
    bool top_owner = true;
};

// Copies everything below src_dir (a directory fd opened for reading) into
// dst_dir (an empty directory fd, opened for reading too): regular files,
// directories, symlinks, fifos and sockets, and device nodes where the
// caller may make them (skipped on EPERM, as in a user namespace).  Kept:
// mode (setuid bits included), owner as the caller sees it (in a user
// namespace an unmapped owner shows as the overflow id, and where that is
// unmapped too the copy stays the caller's), access and modification
// times, and extended
// attributes of files and directories where the target accepts them.
// Hard links become separate copies.  Errors name the entry relative to
// the top ("ssl/certs/x") and the step.
oci::Result<void> copy_tree(int src_dir, int dst_dir, const CopyOptions& o = {});

}  // namespace skiff::linux
