/// A file's type read from its first bytes, not from its name or what the uploader claimed:
/// the kinds a case keeps (letters, photos, scans, e-mails). nil for anything else.
public enum FileSignature {
    public static func contentType(of bytes: [UInt8]) -> String? {
        func starts(_ prefix: [UInt8], at offset: Int = 0) -> Bool {
            bytes.count >= offset + prefix.count && Array(bytes[offset..<offset + prefix.count]) == prefix
        }
        if starts(Array("%PDF-".utf8)) { return "application/pdf" }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return "image/png" }
        if starts([0xFF, 0xD8, 0xFF]) { return "image/jpeg" }
        if starts(Array("GIF87a".utf8)) || starts(Array("GIF89a".utf8)) { return "image/gif" }
        if starts(Array("RIFF".utf8)), starts(Array("WEBP".utf8), at: 8) { return "image/webp" }
        // Text: valid UTF-8 with no control characters but line breaks and tabs.
        guard let text = String(validating: bytes, as: UTF8.self) else { return nil }
        let allowed: Set<Unicode.Scalar> = ["\n", "\r", "\t"]
        guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control && !allowed.contains($0) }) else { return nil }
        // An e-mail as saved by a mail program: header lines first ("From: …", "Received: …").
        let firstLine = text.prefix { $0 != "\n" && $0 != "\r" }
        if let colon = firstLine.firstIndex(of: ":"), firstLine[..<colon].allSatisfy({ $0.isLetter || $0 == "-" }),
           ["from", "received", "return-path", "date", "message-id", "subject", "to", "mime-version", "delivered-to"]
               .contains(firstLine[..<colon].lowercased()) {
            return "message/rfc822"
        }
        return "text/plain; charset=utf-8"
    }
}
