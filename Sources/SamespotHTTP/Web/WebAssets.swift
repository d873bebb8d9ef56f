import Foundation
import Logging

/// The web page's files, read once when the server starts: the project's own (compiled into the
/// binary, so a container needs nothing beside it) and Leaflet's (from Debian's libjs-leaflet,
/// never copied into the repository).
struct WebAssets: Sendable {
    struct Asset: Sendable {
        var bytes: [UInt8]
        var contentType: String
        /// A hash of the bytes: the browser revalidates and gets 304 while nothing changed.
        var etag: String
        /// The same bytes gzipped, where Debian ships them so (`leaflet.min.js.gz`: 39 KB for 141).
        var gzipped: [UInt8]?

        init(_ bytes: [UInt8], contentType: String, gzipped: [UInt8]? = nil) {
            self.bytes = bytes
            self.contentType = contentType
            self.gzipped = gzipped
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a
            for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
            etag = "\"\(String(hash, radix: 16))\""
        }

        /// The gzipped representation is another one: it has its own tag.
        var gzippedETag: String { String(etag.dropLast()) + "-gzip\"" }
    }

    let page: Asset
    /// By file name under /web/.
    let own: [String: Asset]
    /// By path under /leaflet/ ("leaflet.js", "images/marker-icon.png").
    let leaflet: [String: Asset]

    static let leafletFiles = ["leaflet.min.js", "leaflet.css", "images/layers.png", "images/layers-2x.png",
                               "images/marker-icon.png", "images/marker-icon-2x.png", "images/marker-shadow.png"]

    init(leafletDirectory: String, logger: Logger) {
        page = Asset(PackageResources.index_html, contentType: Self.contentType("index.html"))
        let files: [(String, [UInt8])] = [
            ("samespot.css", PackageResources.samespot_css), ("app.js", PackageResources.app_js), ("map.js", PackageResources.map_js),
            ("intake.js", PackageResources.intake_js), ("hotspots.js", PackageResources.hotspots_js), ("wards.js", PackageResources.wards_js),
        ]
        own = Dictionary(uniqueKeysWithValues: files.map { ($0, Asset($1, contentType: Self.contentType($0))) })
        var leaflet: [String: Asset] = [:]
        for file in Self.leafletFiles {
            guard let data = FileManager.default.contents(atPath: "\(leafletDirectory)/\(file)") else { continue }
            let gzipped = FileManager.default.contents(atPath: "\(leafletDirectory)/\(file).gz").map(Array.init)
            leaflet[file] = Asset(Array(data), contentType: Self.contentType(file), gzipped: gzipped)
        }
        if leaflet["leaflet.min.js"] == nil {
            logger.warning("Leaflet not found: the web page's maps will not draw (install Debian's libjs-leaflet, or set SAMESPOT_LEAFLET_DIR)",
                           metadata: ["directory": "\(leafletDirectory)"])
        }
        self.leaflet = leaflet
    }

    static func contentType(_ file: String) -> String {
        if file.hasSuffix(".js") { return "text/javascript; charset=utf-8" }
        if file.hasSuffix(".css") { return "text/css; charset=utf-8" }
        if file.hasSuffix(".html") { return "text/html; charset=utf-8" }
        return "image/png"
    }
}
