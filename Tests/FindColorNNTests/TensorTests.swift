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
}

/// Large buffers are kept after use and handed out again for the same size, zeroed when asked,
/// never beyond the pool's capacity; `drain` gives them back. (Other tests run at the same time and
/// use the pool too: an unusual size keeps this test's buffers apart.)
@Suite(.serialized) struct TensorMemoryPoolTests {
    @Test func reusesLargeBuffersWithinItsCapacity() {
        let saved = TensorMemoryPool.capacityBytes
        defer { TensorMemoryPool.capacityBytes = saved }
        let count = TensorMemoryPool.minimumBytes / 4 + 1027  // just over the minimum, a size nothing else uses
        let bytes = count * 4
        TensorMemoryPool.capacityBytes = 4 * bytes
        var first: AlignedBuffer? = AlignedBuffer(count: count, zeroed: false)
        let address = first!.pointer
        first!.pointer.update(repeating: 7, count: count)
        first = nil
        #expect(TensorMemoryPool.cachedBuffers(byteCount: bytes) == 1)
        let again = AlignedBuffer(count: count)  // zeroed
        #expect(again.pointer == address)
        #expect(again.buffer.allSatisfy { $0 == 0 })
        #expect(TensorMemoryPool.cachedBuffers(byteCount: bytes) == 0)
        // Small buffers are not kept.
        _ = AlignedBuffer(count: 1027)
        #expect(TensorMemoryPool.cachedBuffers(byteCount: 1027 * 4) == 0)
        // At most the capacity is kept.
        TensorMemoryPool.capacityBytes = 3 * bytes
        var many: [AlignedBuffer] = (0..<6).map { _ in AlignedBuffer(count: count, zeroed: false) }
        many.removeAll()
        #expect(TensorMemoryPool.cachedBuffers(byteCount: bytes) <= 3)
        #expect(TensorMemoryPool.cachedBytes <= 3 * bytes)
        TensorMemoryPool.drain()
        #expect(TensorMemoryPool.cachedBuffers(byteCount: bytes) == 0)
        _ = again
    }
}
