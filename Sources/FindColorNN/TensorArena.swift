import Foundation

/// Where the large tensor buffers live: one reserved range of address space, carved into blocks
/// best-fit, freed blocks merged with their free neighbours and handed out again, their pages kept
/// resident until `clean` gives them back to the system.
///
/// Why not `malloc`: a network pass allocates and frees buffers of a few to a few hundred MB, in a
/// different order of sizes from layer to layer. glibc kept the freed ones in fragmented heaps (a
/// 24 MP colourization at `best` held ~200 MB more than it used, docs/speed.md, "Memory of large scans");
/// allocators that give such blocks back to the system at once (mimalloc, or glibc with a fixed
/// mmap threshold) made every pass fault its pages in again (a 1024² pass 1.3–1.45× slower). Here a
/// freed buffer's pages stay resident and serve the next buffer that fits in them, and resident
/// free memory is bounded by what `clean` leaves.
///
/// Blocks are whole pages. A free block is *dirty* (its pages may be resident) or *clean* (never
/// touched, or given back with `madvise(MADV_DONTNEED)`); free neighbours merge only with their
/// own kind, so the bytes of dirty free blocks are exactly the idle resident memory. An allocation
/// takes the smallest dirty block that fits (no page faults), else the smallest clean one.
final class TensorArena: @unchecked Sendable {
    struct Block: Equatable {
        var offset: Int
        var size: Int
        var dirty: Bool
    }

    static let pageSize = 4096

    let base: UnsafeMutableRawPointer
    let reservedBytes: Int
    private var free: [Block]  // sorted by offset; no two touching blocks of the same kind
    private var live: [Int: Int] = [:]  // offset → size of the blocks handed out
    private var idle = 0  // bytes of dirty free blocks
    private var used = 0  // bytes handed out
    private let lock = NSLock()

    /// Bytes of freed blocks whose pages are still resident.
    var idleResidentBytes: Int { lock.withLock { idle } }
    /// Bytes of the blocks handed out now.
    var usedBytes: Int { lock.withLock { used } }

    /// Reserves `bytes` of address space (no memory is committed until written; `MAP_NORESERVE`);
    /// nil where the system refuses.
    init?(reserving bytes: Int) {
        let size = bytes / Self.pageSize * Self.pageSize
        guard size > 0 else { return nil }
        let p = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
        guard let p, p != MAP_FAILED else { return nil }
        base = p
        reservedBytes = size
        free = [Block(offset: 0, size: size, dirty: false)]
    }

    deinit { munmap(base, reservedBytes) }

    /// The process's arena: 64 GiB of address space (less where the system allows less), or nil.
    static let shared: TensorArena? = {
        for gib in [64, 16, 4] {
            if let a = TensorArena(reserving: gib << 30) { return a }
        }
        return nil
    }()

    func contains(_ p: UnsafeMutableRawPointer) -> Bool {
        p >= base && p < base + reservedBytes
    }

    /// A block of at least `byteCount` bytes (page-aligned), or nil when none is free.
    func allocate(byteCount: Int) -> UnsafeMutableRawPointer? {
        let size = Self.pages(byteCount)
        return lock.withLock {
            var best: Int? = nil
            for (i, b) in free.enumerated() where b.size >= size {
                guard let j = best else { best = i; continue }
                let c = free[j]
                // Dirty beats clean (resident pages, no faults); then the smaller block.
                if (b.dirty && !c.dirty) || (b.dirty == c.dirty && b.size < c.size) { best = i }
            }
            guard let i = best else { return nil }
            let b = free[i]
            if b.dirty { idle -= size }
            if b.size == size {
                free.remove(at: i)
            } else {
                free[i].offset += size
                free[i].size -= size
            }
            live[b.offset] = size
            used += size
            return base + b.offset
        }
    }

    /// Returns a block from `allocate`; its pages stay resident (a dirty free block).
    func release(_ p: UnsafeMutableRawPointer) {
        lock.withLock {
            let offset = p - base
            guard let size = live.removeValue(forKey: offset) else {
                preconditionFailure("TensorArena.release: \(p) was not handed out by this arena")
            }
            used -= size
            idle += size
            insert(Block(offset: offset, size: size, dirty: true))
        }
    }

    /// Gives the pages of dirty free blocks back to the system, largest first, until at most
    /// `keeping` bytes of them stay resident.
    func clean(keeping: Int = 0) {
        lock.withLock {
            while idle > keeping {
                guard let i = free.indices.lazy.filter({ self.free[$0].dirty }).max(by: { self.free[$0].size < self.free[$1].size }) else { break }
                let b = free.remove(at: i)
                _ = madvise(base + b.offset, b.size, MADV_DONTNEED)
                idle -= b.size
                insert(Block(offset: b.offset, size: b.size, dirty: false))
            }
        }
    }

    /// The free blocks (for tests).
    var freeBlocks: [Block] { lock.withLock { free } }

    /// Inserts a free block in offset order, merged with free neighbours of its own kind.
    private func insert(_ block: Block) {
        var b = block
        var i = free.firstIndex { $0.offset > b.offset } ?? free.count
        if i > 0, free[i - 1].dirty == b.dirty, free[i - 1].offset + free[i - 1].size == b.offset {
            b.offset = free[i - 1].offset
            b.size += free[i - 1].size
            free.remove(at: i - 1)
            i -= 1
        }
        if i < free.count, free[i].dirty == b.dirty, b.offset + b.size == free[i].offset {
            b.size += free[i].size
            free.remove(at: i)
        }
        free.insert(b, at: i)
    }

    static func pages(_ bytes: Int) -> Int { (Swift.max(bytes, 1) + pageSize - 1) / pageSize * pageSize }
}
