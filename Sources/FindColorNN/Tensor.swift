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

/// Large tensor buffers kept for reuse. A network pass allocates and frees the same large buffers
/// (hundreds of MB at 1024²) again and again, across the windows of an ensemble and from one pass to
/// the next; each fresh allocation of that size is a new mapping from the system that is zero-filled
/// page by page on first touch and unmapped again on free (at 1024², 50 ms of a 560 ms pass went
/// there, `findcolor bench --layers`; with the pool the 1024² pass takes ~350 instead of ~520 ms and
/// its peak memory is ~220 MB higher). Freed buffers of at least `minimumBytes` are kept, up to
/// `capacityBytes` in all, and handed out again for the same byte count. `drain()` gives them back
/// (the colorizer does after its network passes, before the full-resolution planes, and after a
/// preview, so an idle server holds none).
public enum TensorMemoryPool {
    /// Buffers smaller than this go straight to the allocator, which keeps and reuses freed blocks
    /// itself up to glibc's largest mmap threshold (32 MB); pooling those too only added memory (a
    /// 1 MB minimum: +50 MB peak for a 1 MP photo, no time saved).
    public static let minimumBytes = 32 << 20
    /// 512 MB by default (a 1024² pass frees about that much; 256 MB kept too little to matter), or
    /// `FINDCOLOR_TENSOR_POOL_MB` from the environment (0: off).
    nonisolated(unsafe) private static var _capacity = Swift.max(0, Int(ProcessInfo.processInfo.environment["FINDCOLOR_TENSOR_POOL_MB"] ?? "") ?? 512) << 20
    nonisolated(unsafe) private static var free: [Int: [UnsafeMutableRawPointer]] = [:]
    nonisolated(unsafe) private static var cached = 0
    private static let lock = NSLock()

    /// The most bytes kept (0: keep none). Lowering it drains what no longer fits.
    public static var capacityBytes: Int {
        get { lock.withLock { _capacity } }
        set {
            lock.withLock { _capacity = Swift.max(0, newValue) }
            drain(keeping: newValue)
        }
    }

    /// Bytes held for reuse now.
    public static var cachedBytes: Int { lock.withLock { cached } }

    /// Buffers of exactly `byteCount` bytes held for reuse now.
    public static func cachedBuffers(byteCount: Int) -> Int { lock.withLock { free[byteCount]?.count ?? 0 } }

    static func allocate(byteCount: Int, alignment: Int) -> UnsafeMutableRawPointer {
        if byteCount >= minimumBytes {
            let reused: UnsafeMutableRawPointer? = lock.withLock {
                guard let p = free[byteCount]?.popLast() else { return nil }
                cached -= byteCount
                return p
            }
            if let reused { return reused }
        }
        return UnsafeMutableRawPointer.allocate(byteCount: byteCount, alignment: alignment)
    }

    static func release(_ p: UnsafeMutableRawPointer, byteCount: Int) {
        if byteCount >= minimumBytes {
            let kept: Bool = lock.withLock {
                guard cached + byteCount <= _capacity else { return false }
                free[byteCount, default: []].append(p)
                cached += byteCount
                return true
            }
            if kept { return }
        }
        p.deallocate()
    }

    /// Gives the C allocator's free memory back to the system (`malloc_trim`; Linux). After the
    /// network passes of a large photo, glibc holds 150–200 MB of freed tensors and images in
    /// fragmented heaps, counted in the process's resident memory until it exits; the
    /// full-resolution finish that follows would add its buffers on top of them.
    public static func trimHeap() {
        #if os(Linux)
        if let trim = mallocTrim { _ = trim(0) }
        #endif
    }

    /// Trades time for memory on large photos: allocations of 4 MB or more are mapped on their own
    /// and given back when freed (glibc's `M_MMAP_THRESHOLD`, fixed), and no tensor is kept for
    /// reuse. A 24 MP colourization then peaks at 0.42–0.44 GB at `best` (0.60 without), at
    /// 1.3–1.8× the time at `balanced` and `best` (README "Memory of large scans"). Process-wide, for the rest of the
    /// process; returns false where the C library has no `mallopt` (the pool is off either way).
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

    /// Frees the kept buffers (all, or down to `keeping` bytes).
    public static func drain(keeping: Int = 0) {
        let toFree: [UnsafeMutableRawPointer] = lock.withLock {
            var out: [UnsafeMutableRawPointer] = []
            for size in free.keys.sorted(by: >) where cached > keeping {
                while cached > keeping, let p = free[size]?.popLast() {
                    out.append(p)
                    cached -= size
                }
            }
            free = free.filter { !$0.value.isEmpty }
            return out
        }
        for p in toFree { p.deallocate() }
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
