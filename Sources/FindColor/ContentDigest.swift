import Crypto
import Foundation

/// SHA-256 (swift-crypto) as FindColor uses it: shard keys, the model's identity, the server's
/// content digests and render-cache keys.
public enum ContentDigest {
    /// The 32-byte SHA-256 of `data`.
    public static func sha256<D: DataProtocol>(_ data: D) -> [UInt8] {
        Array(SHA256.hash(data: data))
    }

    /// The SHA-256 of `data` as 64 lower-case hex digits.
    public static func sha256Hex<D: DataProtocol>(_ data: D) -> String {
        hex(sha256(data))
    }

    /// The SHA-256 of a string's UTF-8 bytes, as hex.
    public static func sha256Hex(_ string: String) -> String {
        sha256Hex(Array(string.utf8))
    }

    /// Lower-case hex digits of `bytes`.
    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
