import FindColorImage
import Foundation

/// Keeps the most recently used decoded photos in memory, keyed by the SHA-256 of their file, so
/// that an interactive session (a preview after every hint) does not decode the same JPEG each time;
/// and images derived from them under keys that name what they derive from (a photo's defects, its
/// repaired version, its L* planes: `RenderPhoto`).
/// Bounded by a total number of Float samples; least recently used images are dropped first.
final class DecodedImageCache: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [(key: String, image: PlanarImage)] = []  // most recently used last
    private let budgetSamples: Int

    init(budgetSamples: Int) {
        self.budgetSamples = budgetSamples
    }

    /// The decoded image of the file at `url` whose content digest is `digest`. `role` names the
    /// image in errors. Throws `StoreError.fileMissing` when the file is gone.
    func image(at url: URL, digest: String, role: String, maxPixels: Int) throws -> PlanarImage {
        if let hit = lookup(digest) { return hit }
        guard let data = try? Data(contentsOf: url) else {
            throw StoreError.fileMissing("the \(role) (\(url.lastPathComponent))")
        }
        let image = try ImageInputs.decode(data, role: role, maxPixels: maxPixels).image
        insert(digest, image)
        return image
    }

    /// L* of the file at `url` (content digest `digest`): from the decoded image when that is
    /// cached, else decoded as L* alone (`ImageInputs.decodeLightness`: a colour photo's RGB is
    /// neither made nor kept). The same values either way; not cached here (`RenderPhoto` keeps it).
    func lightness(at url: URL, digest: String, role: String, maxPixels: Int) throws -> LightnessImage {
        if let decoded = lookup(digest) { return FindColorImage.lightness(of: decoded) }
        guard let data = try? Data(contentsOf: url) else {
            throw StoreError.fileMissing("the \(role) (\(url.lastPathComponent))")
        }
        return try ImageInputs.decodeLightness(data, role: role, maxPixels: maxPixels)
    }

    /// The image cached under `key`, or `make()`'s, then kept under `key` (derived images: a
    /// photo's detected defects, its repaired version).
    func cached(_ key: String, make: () throws -> PlanarImage) rethrows -> PlanarImage {
        if let hit = lookup(key) { return hit }
        let image = try make()
        insert(key, image)
        return image
    }

    var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return entries.count
    }

    private func lookup(_ key: String) -> PlanarImage? {
        lock.lock()
        defer { lock.unlock() }
        guard let index = entries.firstIndex(where: { $0.key == key }) else { return nil }
        let entry = entries.remove(at: index)
        entries.append(entry)
        return entry.image
    }

    private func insert(_ key: String, _ image: PlanarImage) {
        let samples = image.data.count
        guard samples <= budgetSamples else { return }
        lock.lock()
        defer { lock.unlock() }
        entries.removeAll { $0.key == key }
        entries.append((key, image))
        var total = entries.reduce(0) { $0 + $1.image.data.count }
        while total > budgetSamples, let first = entries.first {
            total -= first.image.data.count
            entries.removeFirst()
        }
    }
}
