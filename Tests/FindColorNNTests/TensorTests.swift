import Foundation
import FindColorParallel
import Testing
@testable import FindColorNN

@Suite("Tensor")
struct TensorTests {
    @Test("storage is zeroed and 64-byte aligned")
    func alignment() {
        for count in [1, 3, 17, 1000] {
            let t = Tensor(h: 1, w: 1, c: count)
            t.withUnsafeBufferPointer { buffer in
                #expect(Int(bitPattern: buffer.baseAddress!) % 64 == 0)
                #expect(buffer.allSatisfy { $0 == 0 })
            }
        }
    }

    @Test("NHWC indexing")
    func indexing() {
        let shape = TensorShape(n: 2, h: 3, w: 4, c: 5)
        let t = Tensor(shape: shape, values: (0..<shape.count).map { Float($0) })
        #expect(t[1, 2, 3, 4] == Float(shape.count - 1))
        #expect(t[0, 1, 2, 3] == Float(((0 * 3 + 1) * 4 + 2) * 5 + 3))
        #expect(t[0, 1, 0] == 5)
        let generated = Tensor(shape: shape) { n, y, x, c in Float(((n * 3 + y) * 4 + x) * 5 + c) }
        #expect(generated.scalars == t.scalars)
    }

    @Test("copies are independent (copy on write)")
    func copyOnWrite() {
        var a = Tensor(h: 2, w: 2, c: 1)
        let b = a
        a[0, 1, 0] = 7
        #expect(a[0, 1, 0] == 7)
        #expect(b[0, 1, 0] == 0)
        var c = a
        c.withUnsafeMutableBufferPointer { $0[0] = 3 }
        #expect(a[0, 0, 0] == 0 && c[0, 0, 0] == 3)
    }

    @Test("random tensors are reproducible")
    func random() {
        let shape = TensorShape(h: 4, w: 4, c: 3)
        #expect(Tensor.random(shape, seed: 5).scalars == Tensor.random(shape, seed: 5).scalars)
        #expect(Tensor.random(shape, seed: 5).scalars != Tensor.random(shape, seed: 6).scalars)
        #expect(Tensor.random(shape, seed: 5, in: 2...3).scalars.allSatisfy { $0 >= 2 && $0 <= 3 })
    }

    @Test("backends: reference is always available; oneDNN initialises here")
    func backends() {
        #expect(Backend.reference.isAvailable)
        #expect(OneDNN.isAvailable == Backend.oneDNN.isAvailable)
        #expect(Backend.default.isAvailable)
        if OneDNN.isAvailable { #expect(OneDNN.version.hasPrefix("2.") || OneDNN.version.hasPrefix("3.")) }
    }
}

@Suite("Parallel", .serialized)
struct ParallelTests {
    /// The image code's row splitting follows the one thread count (--threads), as the kernels do.
    @Test("forEachChunk and forEachRange follow threadCount")
    func followsThreadCount() {
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        let lock = NSLock()
        var ranges: [Range<Int>] = []
        Parallel.threadCount = 1
        Parallel.forEachChunk(count: 1000, workPerItem: 1000) { r in lock.withLock { ranges.append(r) } }
        Parallel.forEachRange(1000) { r in lock.withLock { ranges.append(r) } }
        #expect(ranges == [0..<1000, 0..<1000])
        ranges = []
        Parallel.threadCount = 2
        Parallel.forEachChunk(count: 1000, workPerItem: 1000) { r in lock.withLock { ranges.append(r) } }
        #expect(ranges.count == 8 && ranges.map(\.count).reduce(0, +) == 1000)
        ranges = []
        Parallel.forEachRange(1000) { r in lock.withLock { ranges.append(r) } }
        #expect(ranges.count == 2 && ranges.map(\.count).reduce(0, +) == 1000)
    }

    /// The thread that runs the network (`useOpenMPTeam`) runs the Swift kernels on its OpenMP team
    /// (one pool of threads with oneDNN): every item exactly once, on as many threads as asked,
    /// nested calls included; other threads keep libdispatch.
    @Test("the OpenMP team: each item once, on threadCount threads, nesting runs inline")
    func openMPTeam() {
        #expect(Parallel.pool == .dispatch)
        Parallel.useOpenMPTeam()
        defer { Parallel.useOpenMPTeam(false) }
        #expect(Parallel.pool == .openMP)
        final class PoolBox: @unchecked Sendable { var pool: Parallel.Pool? }
        let otherThread = PoolBox(), done = DispatchSemaphore(value: 0)
        Thread { otherThread.pool = Parallel.pool; done.signal() }.start()
        done.wait()
        #expect(otherThread.pool == .dispatch, "another thread keeps libdispatch")
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        for threads in [1, 2, 3] {
            Parallel.threadCount = threads
            for (count, work) in [(1, 1 << 20), (7, 1 << 20), (1000, 1000), (100_003, 1)] {
                let lock = NSLock()
                var seen = [Int](repeating: 0, count: count)
                var threadIDs = Set<UInt>()
                Parallel.forEachChunk(count: count, workPerItem: work) { r in
                    lock.withLock {
                        threadIDs.insert(UInt(pthread_self()))
                        for i in r { seen[i] += 1 }
                    }
                }
                #expect(seen.allSatisfy { $0 == 1 }, "forEachChunk, \(count) items, \(threads) threads")
                let chunks = count * work >= Parallel.minimumParallelWork ? min(count, threads * 4) : 1
                #expect(threadIDs.count == min(threads, chunks), "\(count) items, \(threads) threads")
                seen = [Int](repeating: 0, count: count)
                Parallel.forEachRange(count) { outer in
                    // An inner call from a team thread runs on that thread (OpenMP does not nest).
                    Parallel.forEachRange(outer.count) { inner in
                        lock.withLock { for i in inner { seen[outer.lowerBound + i] += 1 } }
                    }
                }
                #expect(seen.allSatisfy { $0 == 1 }, "nested forEachRange, \(count) items, \(threads) threads")
            }
        }
    }
}

/// The arena of large tensor buffers: best fit, freed blocks merged and reused with their pages
/// resident, `clean` giving pages back (they read as zeros after it: private anonymous memory).
/// Each test has an arena of its own, except the last, which checks the process's through
/// `TensorMemoryPool` (other tests allocate at the same time: its checks are bounds).
@Suite(.serialized) struct TensorArenaTests {
    let page = TensorArena.pageSize

    @Test func blocksArePagesMergedWhenFreed() throws {
        let arena = try #require(TensorArena(reserving: 64 * page))
        let a = try #require(arena.allocate(byteCount: 1))  // one page
        let b = try #require(arena.allocate(byteCount: 3 * page))
        let c = try #require(arena.allocate(byteCount: page + 1))  // two pages
        #expect(a == arena.base && b == arena.base + page && c == arena.base + 4 * page)
        #expect(Int(bitPattern: b) % page == 0 && arena.usedBytes == 6 * page)
        #expect(arena.allocate(byteCount: 59 * page) == nil)  // 58 pages are left
        arena.release(b)
        arena.release(a)  // merges with b's block: 4 dirty pages at 0
        #expect(arena.freeBlocks == [.init(offset: 0, size: 4 * page, dirty: true),
                                     .init(offset: 6 * page, size: 58 * page, dirty: false)])
        #expect(arena.idleResidentBytes == 4 * page)
        arena.release(c)  // dirty neighbours merge; dirty and clean stay apart
        #expect(arena.freeBlocks == [.init(offset: 0, size: 6 * page, dirty: true),
                                     .init(offset: 6 * page, size: 58 * page, dirty: false)])
        arena.clean()
        #expect(arena.freeBlocks == [.init(offset: 0, size: 64 * page, dirty: false)])
        #expect(arena.idleResidentBytes == 0 && arena.usedBytes == 0)
    }

    @Test func freedPagesAreReusedBeforeFreshOnesSmallestFirst() throws {
        let arena = try #require(TensorArena(reserving: 64 * page))
        let big = try #require(arena.allocate(byteCount: 8 * page))
        let gap = try #require(arena.allocate(byteCount: page))
        let small = try #require(arena.allocate(byteCount: 3 * page))
        let end = try #require(arena.allocate(byteCount: page))
        arena.release(big)
        arena.release(small)
        // Two dirty blocks (8 and 3 pages) and the clean rest: 2 pages go into the 3-page block.
        let p = try #require(arena.allocate(byteCount: 2 * page))
        #expect(p == small)
        // 5 pages: the dirty 8-page block, not the clean tail.
        let q = try #require(arena.allocate(byteCount: 5 * page))
        #expect(q == big)
        // 40 pages fit only in the clean tail.
        let r = try #require(arena.allocate(byteCount: 40 * page))
        #expect(r == end + page)
        _ = gap
    }

    @Test func cleanedPagesReadAsZerosAndDirtyOnesKeepTheirBytes() throws {
        let arena = try #require(TensorArena(reserving: 16 * page))
        let p = try #require(arena.allocate(byteCount: 4 * page)).bindMemory(to: Float.self, capacity: page)
        p.update(repeating: 7, count: page)
        arena.release(UnsafeMutableRawPointer(p))
        let again = try #require(arena.allocate(byteCount: 4 * page)).bindMemory(to: Float.self, capacity: page)
        #expect(again == p && again[0] == 7 && again[page - 1] == 7)  // resident: the same bytes
        arena.release(UnsafeMutableRawPointer(again))
        arena.clean(keeping: 0)
        let fresh = try #require(arena.allocate(byteCount: 4 * page)).bindMemory(to: Float.self, capacity: page)
        #expect(fresh == p && (0..<page).allSatisfy { fresh[$0] == 0 })  // given back: zeros
    }

    @Test func cleanKeepsAtMostWhatItIsAsked() throws {
        let arena = try #require(TensorArena(reserving: 64 * page))
        let blocks = try (0..<6).map { i in try #require(arena.allocate(byteCount: (i + 1) * page)) }
        let spacers = try (0..<6).map { _ in try #require(arena.allocate(byteCount: page)) }
        _ = spacers
        // Interleave: free every other block so that no two freed blocks touch.
        for (i, b) in blocks.enumerated() where i % 2 == 0 { arena.release(b) }
        #expect(arena.idleResidentBytes == (1 + 3 + 5) * page)
        arena.clean(keeping: 4 * page)  // the largest (5 pages) goes, 1 + 3 stay
        #expect(arena.idleResidentBytes == 4 * page)
    }

    @Test func poolBuffersAreZeroedAndBoundedByCapacity() {
        let saved = TensorMemoryPool.capacityBytes
        defer { TensorMemoryPool.capacityBytes = saved }
        let count = TensorMemoryPool.minimumBytes / 4 * 3  // 3 MiB: from the arena
        var first: AlignedBuffer? = AlignedBuffer(count: count, zeroed: false)
        let p = UnsafeMutableRawPointer(first!.pointer)
        #expect(TensorArena.shared?.contains(p) == true)
        first!.pointer.update(repeating: 7, count: count)
        first = nil
        let again = AlignedBuffer(count: count)  // zeroed, wherever it comes from
        #expect(again.buffer.allSatisfy { $0 == 0 })
        #expect(TensorArena.shared?.contains(UnsafeMutableRawPointer(AlignedBuffer(count: 1027).pointer)) == false)  // small: malloc
        TensorMemoryPool.capacityBytes = 0
        var many: [AlignedBuffer] = (0..<4).map { _ in AlignedBuffer(count: count, zeroed: false) }
        many.removeAll()
        // Nothing kept resident at capacity 0 (a buffer another test frees at this moment may be
        // between its release and its cleaning: a bound, not 0).
        #expect(TensorMemoryPool.cachedBytes < 4 * count * 4)
        _ = again
    }
}
