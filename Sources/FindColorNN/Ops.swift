/// Tensor operations on NHWC tensors. Each op is one entry point that runs on the requested
/// backend (`Backend.default` unless given) and falls back to the reference kernel when oneDNN is
/// unavailable or fails. Ops without a oneDNN path run the reference kernel on every backend.
///
/// Shape mismatches are programming errors and stop the process with a message (precondition).
public enum Ops {
    /// Runs the oneDNN path when `backend` resolves to oneDNN and it succeeds, else the reference.
    @inline(__always)
    static func dispatch(_ backend: Backend, oneDNN: () throws -> Tensor, reference: () -> Tensor) -> Tensor {
        if backend.resolved == .oneDNN, let result = try? oneDNN() {
            return result
        }
        return reference()
    }
}
