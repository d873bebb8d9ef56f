import CGEOS

/// A GEOS reentrant context (`GEOS_init_r`): the handle every `_r` call takes, and the place
/// GEOS leaves its last error message.
///
/// Not `Sendable` on purpose: a context is used by one task or thread at a time. Make one per
/// task (they are cheap) or borrow one from a `GEOSContextPool`.
public final class GEOSContext {
    let handle: GEOSContextHandle_t
    private let messages: MessageBox

    /// Holds GEOS's last error text; GEOS calls back into it with a C function pointer.
    final class MessageBox {
        var lastError: String?
    }

    public init() {
        guard let handle = GEOS_init_r() else {
            fatalError("GEOS_init_r returned NULL: out of memory")
        }
        self.handle = handle
        self.messages = MessageBox()
        let box = Unmanaged.passUnretained(messages).toOpaque()
        GEOSContext_setErrorMessageHandler_r(handle, { message, userData in
            guard let message, let userData else { return }
            Unmanaged<MessageBox>.fromOpaque(userData).takeUnretainedValue().lastError = String(cString: message)
        }, box)
        // Notices (e.g. "Self-intersection at ...") are left unreported: they come with
        // an error or a validity answer that the caller handles.
        GEOSContext_setNoticeMessageHandler_r(handle, { _, _ in }, nil)
    }

    deinit {
        GEOS_finish_r(handle)
    }

    /// The error GEOS reported last, cleared once read.
    func takeError(_ fallback: String) -> GeometryError {
        defer { messages.lastError = nil }
        return GeometryError(messages.lastError ?? fallback)
    }

    /// The GEOS library's version, e.g. "3.11.1-CAPI-1.17.1".
    public static var version: String { String(cString: GEOSversion()) }
}

/// A geometry that could not be read, built or tested, with GEOS's own words.
public struct GeometryError: Error, Sendable, CustomStringConvertible, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
