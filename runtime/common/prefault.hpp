// Maps the executable's read-only pages (code, constants, unwind tables)
// in one madvise at start.  Each first touch of a page would otherwise be
// a page fault (fault-around maps 16 pages at most), and a page fault
// costs ~17 us on the VMs skiff runs on: for a command that touches code
// spread over a few MB this saves a few dozen faults.  Best effort.
#pragma once

namespace skiff {

void prefault_image();

}  // namespace skiff
