import Foundation
import FindColorParallel

/// The shape of an NHWC tensor: batch, height, width, channels.
public struct TensorShape: Hashable, Sendable, CustomStringConvertible {
    public var n: Int
    public var h: Int
    public var w: Int
    public var c: Int

    public init(n: Int = 1, h: Int, w: Int, c: Int) {
        precondition(n >= 0 && h >= 0 && w >= 0 && c >= 0, "negative tensor dimension")
        self.n = n
        self.h = h
        self.w = w
        self.c = c
    }

    /// Number of elements.
    public var count: Int { n * h * w * c }

    public var description: String { "[\(n), \(h), \(w), \(c)]" }
}

/// Owned Float32 storage aligned to 64 bytes (one cache line, one AVX-512 register).
public final class AlignedBuffer: @unchecked Sendable {
    public static let alignment = 64

    public let count: Int
    public let pointer: UnsafeMutablePointer<Float>

    /// Allocates `count` floats; zero-filled unless `zeroed` is false.
    public init(count: Int, zeroed: Bool = true) {
        precondition(count >= 0, "negative buffer size")
        self.count = count
        let capacity = Swift.max(count, 1)
        let raw = TensorMemoryPool.allocate(byteCount: capacity * MemoryLayout<Float>.stride, alignment: Self.alignment)
        pointer = raw.bindMemory(to: Float.self, capacity: capacity)
        if zeroed { pointer.initialize(repeating: 0, count: capacity) }
    }

    /// Allocates a buffer holding a copy of `values`.
    public convenience init(copying values: UnsafeBufferPointer<Float>) {
        self.init(count: values.count, zeroed: false)
        if let base = values.baseAddress { pointer.update(from: base, count: values.count) }
    }

    public convenience init(_ values: [Float]) {
        self.init(count: values.count, zeroed: false)
        values.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { pointer.update(from: base, count: src.count) }
        }
    }

    public var buffer: UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: pointer, count: count)
    }

    deinit { TensorMemoryPool.release(UnsafeMutableRawPointer(pointer), byteCount: Swift.max(count, 1) * MemoryLayout<Float>.stride) }
}

/// Where tensor buffers come from. Buffers of `minimumBytes` or more live in `TensorArena` (one
/// reserved address range, best-fit, freed buffers' pages kept resident for the next ones: no page
/// faults from one pass to the next, no fragmented heaps), smaller ones come from the C allocator,
/// which reuses small blocks well. At most `capacityBytes` of freed arena memory stay resident;
/// `drain` gives more back (the colorizer does after its network passes).
///
/// Before the arena (until 2026-12-05), buffers of 32 MB or more were kept in a pool by exact size
/// and everything else came from glibc's malloc: a 1024² pass took ~350 instead of ~520 ms with the
/// pool, but a 24 MP colourization at `best` peaked at 0.58–0.61 GB, ~200 MB of it freed tensors
/// in glibc's fragmented heaps (docs/speed.md, "Memory of large scans").
public enum TensorMemoryPool {
    /// Buffers from this size up live in the arena (1 MiB: a 256² pass's larger tensors; below it
    /// malloc's own bins reuse blocks without faults or fragmentation worth the name).
    public static let minimumBytes = 1 << 20
    /// Freed arena memory kept resident for reuse: 512 MB by default (a 1024² pass frees about that
    /// much), or `FINDCOLOR_TENSOR_POOL_MB` from the environment (0: none, every freed buffer's
    /// pages go back to the system at once).
    nonisolated(unsafe) private static var _capacity = Swift.max(0, Int(ProcessInfo.processInfo.environment["FINDCOLOR_TENSOR_POOL_MB"] ?? "") ?? 512) << 20
    private static let lock = NSLock()
    /// What `drain()` leaves resident by default: the working set of the web app's renders (a 1 MP
    /// photo's passes), so that the next render does not fault its pages in again.
    public static let idleKeepBytes = 128 << 20

    /// The most freed bytes kept resident (0: none). Lowering it gives back what no longer fits.
    public static var capacityBytes: Int {
        get { lock.withLock { _capacity } }
        set {
            lock.withLock { _capacity = Swift.max(0, newValue) }
            drain(keeping: newValue)
        }
    }

    /// Freed bytes held resident for reuse now.
    public static var cachedBytes: Int { TensorArena.shared?.idleResidentBytes ?? 0 }

    static func allocate(byteCount: Int, alignment: Int) -> UnsafeMutableRawPointer {
        if byteCount >= minimumBytes, alignment <= TensorArena.pageSize,
           let p = TensorArena.shared?.allocate(byteCount: byteCount) {
            return p
        }
        return UnsafeMutableRawPointer.allocate(byteCount: byteCount, alignment: alignment)
    }

    static func release(_ p: UnsafeMutableRawPointer, byteCount: Int) {
        if let arena = TensorArena.shared, arena.contains(p) {
            arena.release(p)
            let capacity = lock.withLock { _capacity }
            if arena.idleResidentBytes > capacity { arena.clean(keeping: capacity) }
            return
        }
        p.deallocate()
    }

    /// Gives freed memory back to the system: the arena's idle pages and the C allocator's free
    /// memory (`malloc_trim`, Linux). After the network passes of a large photo, before the
    /// full-resolution finish adds its buffers.
    public static func trimHeap() {
        TensorArena.shared?.clean(keeping: 0)
        #if os(Linux)
        if let trim = mallocTrim { _ = trim(0) }
        #endif
    }

    /// Trades time for memory on large photos: freed tensor buffers go back to the system at once
    /// (capacity 0), and other allocations of 4 MB or more are mapped on their own and given back
    /// when freed (glibc's `M_MMAP_THRESHOLD`, fixed), so every pass faults its pages in again
    /// (measured in docs/speed.md, "Memory of large scans"). Process-wide, for the rest of the process;
    /// returns false where the C library has no `mallopt` (the arena gives its pages back either way).
    @discardableResult
    public static func useLowMemoryAllocation() -> Bool {
        capacityBytes = 0
        #if os(Linux)
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return false }
        let mallopt = unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32) -> Int32).self)
        return mallopt(-3 /* M_MMAP_THRESHOLD */, 4 << 20) == 1
        #else
        return false
        #endif
    }

    #if os(Linux)
    /// glibc's `malloc_trim` (in <malloc.h>, which Swift's Glibc module does not import), looked up
    /// once; nil with another C library.
    private static let mallocTrim: (@convention(c) (Int) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
    }()
    #endif

    /// Gives freed arena memory back to the system down to `keeping` bytes (default: the web
    /// app's working set, `idleKeepBytes`; 0: all of it).
    public static func drain(keeping: Int = idleKeepBytes) {
        TensorArena.shared?.clean(keeping: Swift.min(keeping, capacityBytes))
    }
}

/// An NHWC Float32 tensor (batch 1 in practice) with 64-byte aligned, copy-on-write storage.
public struct Tensor: @unchecked Sendable, CustomStringConvertible {
    public let shape: TensorShape
    private var storage: AlignedBuffer

    /// A zero-filled tensor.
    public init(shape: TensorShape) {
        self.shape = shape
        storage = AlignedBuffer(count: shape.count)
    }

    /// A zero-filled tensor.
    public init(n: Int = 1, h: Int, w: Int, c: Int) {
        self.init(shape: TensorShape(n: n, h: h, w: w, c: c))
    }

    /// A tensor holding `values` in NHWC order.
    public init(shape: TensorShape, values: [Float]) {
        precondition(values.count == shape.count,
                     "Tensor(shape: \(shape)) needs \(shape.count) values, got \(values.count)")
        self.shape = shape
        storage = AlignedBuffer(values)
    }

    /// A tensor whose element (n, y, x, c) is `value(n, y, x, c)`.
    public init(shape: TensorShape, _ value: (_ n: Int, _ y: Int, _ x: Int, _ c: Int) -> Float) {
        self.init(uninitializedShape: shape)
        var i = 0
        for b in 0..<shape.n {
            for y in 0..<shape.h {
                for x in 0..<shape.w {
                    for c in 0..<shape.c {
                        storage.pointer[i] = value(b, y, x, c)
                        i += 1
                    }
                }
            }
        }
    }

    /// A tensor whose contents the caller will overwrite entirely (kernels' outputs).
    internal init(uninitializedShape shape: TensorShape) {
        self.shape = shape
        storage = AlignedBuffer(count: shape.count, zeroed: false)
    }

    public var n: Int { shape.n }
    public var h: Int { shape.h }
    public var w: Int { shape.w }
    public var c: Int { shape.c }
    public var count: Int { shape.count }

    private func offset(_ n: Int, _ y: Int, _ x: Int, _ c: Int) -> Int {
        precondition(n >= 0 && n < shape.n && y >= 0 && y < shape.h && x >= 0 && x < shape.w
                     && c >= 0 && c < shape.c, "Tensor index (\(n), \(y), \(x), \(c)) out of \(shape)")
        return ((n * shape.h + y) * shape.w + x) * shape.c + c
    }

    /// Element of batch item `n` at row `y`, column `x`, channel `c`.
    public subscript(n: Int, y: Int, x: Int, c: Int) -> Float {
        get { storage.pointer[offset(n, y, x, c)] }
        set {
            makeUnique()
            storage.pointer[offset(n, y, x, c)] = newValue
        }
    }

    /// Element of batch item 0.
    public subscript(y: Int, x: Int, c: Int) -> Float {
        get { self[0, y, x, c] }
        set { self[0, y, x, c] = newValue }
    }

    /// The elements in NHWC order.
    public var scalars: [Float] { withUnsafeBufferPointer { Array($0) } }

    /// Read-only access to the NHWC elements.
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage.pointer, count: shape.count))
    }

    /// Mutable access to the NHWC elements (copies the storage first if it is shared).
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (UnsafeMutableBufferPointer<Float>) throws -> R
    ) rethrows -> R {
        makeUnique()
        return try body(UnsafeMutableBufferPointer(start: storage.pointer, count: shape.count))
    }

    /// The base address of the storage for kernels that only read it.
    internal var basePointer: UnsafeMutablePointer<Float> { storage.pointer }

    private mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) {
            storage = AlignedBuffer(copying: UnsafeBufferPointer(start: storage.pointer, count: shape.count))
        }
    }

    public var description: String { "Tensor\(shape)" }
}

extension Tensor {
    /// A 1-image tensor of `rows.count × columns.count × channels` from planar data (`channels`
    /// planes of `width × height` floats, back to back, as images are stored): element (y, x, c) is
    /// `planes[c · width · height + rows[y] · width + columns[x]] · scale`, or 0 where `rows[y]` or
    /// `columns[x]` is negative. The index maps carry any padding rule (reflection, zeros); rows are
    /// filled in parallel.
    public static func fromPlanes(_ planes: UnsafeBufferPointer<Float>, width: Int, height: Int, channels: Int,
                                  rows: [Int], columns: [Int], scale: Float = 1) -> Tensor {
        precondition(planes.count >= width * height * channels, "fromPlanes: \(planes.count) values for \(width)×\(height)×\(channels)")
        precondition(rows.allSatisfy { $0 < height } && columns.allSatisfy { $0 < width }, "fromPlanes: index out of range")
        let out = Tensor(uninitializedShape: TensorShape(n: 1, h: rows.count, w: columns.count, c: channels))
        let W = columns.count, C = channels, n = width * height
        let src = planes.baseAddress!, dst = out.basePointer
        columns.withUnsafeBufferPointer { cols in
            Parallel.forEachRange(rows.count, minimumChunk: Swift.max(1, 16384 / Swift.max(1, W * C))) { range in
                for y in range {
                    let row = dst + y * W * C
                    let sy = rows[y]
                    if sy < 0 {
                        row.update(repeating: 0, count: W * C)
                        continue
                    }
                    for c in 0..<C {
                        let s = src + c * n + sy * width
                        for x in 0..<W {
                            let sx = cols[x]
                            row[x * C + c] = sx < 0 ? 0 : s[sx] * scale
                        }
                    }
                }
            }
        }
        return out
    }

    /// The top-left `width × height` of image 0 as planar data (`c` planes back to back), each value
    /// times `scale`.
    public func toPlanes(width: Int, height: Int, scale: Float = 1) -> [Float] {
        precondition(width <= w && height <= h, "toPlanes: \(width)×\(height) is larger than \(w)×\(h)")
        let C = c, Wt = w, n = width * height
        var out = [Float](repeating: 0, count: n * C)
        let src = UnsafePointer(basePointer)
        out.withUnsafeMutableBufferPointer { o in
            let dst = o.baseAddress!
            Parallel.forEachRange(height, minimumChunk: Swift.max(1, 16384 / Swift.max(1, width * C))) { range in
                for y in range {
                    let row = src + y * Wt * C
                    for ch in 0..<C {
                        let d = dst + ch * n + y * width
                        for x in 0..<width { d[x] = row[x * C + ch] * scale }
                    }
                }
            }
        }
        return out
    }
}
