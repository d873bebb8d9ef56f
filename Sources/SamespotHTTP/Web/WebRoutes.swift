import Foundation
import Hummingbird
import Logging

/// The web page for intake staff, planners and ward offices: `/` and its views (`/intake`,
/// `/hotspots`, `/wards`) answer the one HTML page, which loads its scripts from `/web/` and
/// Leaflet from `/leaflet/`. The page is a client of the same API as any other, with the same
/// key and roles; nothing here reads the database.
///
/// These are pages, not API operations: they are added to the router directly, so the OpenAPI
/// document (held to the API's routes) does not list them.
struct WebRoutes {
    static let views = ["/", "/intake", "/hotspots", "/wards"]

    let assets: WebAssets
    let securityHeaders: HTTPFields

    init(settings: WebSettings, logger: Logger) {
        assets = WebAssets(leafletDirectory: settings.leafletDirectory, logger: logger)
        securityHeaders = Self.securityHeaders(tileURL: settings.tileURL)
    }

    func register(on router: Router<SamespotRequestContext>) {
        for view in Self.views {
            router.get(RouterPath(view)) { request, _ in
                respond(request, assets.page)
            }
        }
        router.get("/web/{file}") { request, context in
            let file = try context.parameters.require("file")
            guard let asset = assets.own[file] else { throw APIError.notFound("no file /web/\(file.prefix(60))") }
            return respond(request, asset)
        }
        for folder in ["/leaflet/{file}", "/leaflet/images/{file}"] {
            router.get(RouterPath(folder)) { request, _ in
                let path = String(request.uri.path.dropFirst("/leaflet/".count))
                guard let asset = assets.leaflet[path] else {
                    throw APIError.notFound("no Leaflet file \(path.prefix(60)) (is Debian's libjs-leaflet installed?)")
                }
                return respond(request, asset)
            }
        }
    }

    /// The asset (gzipped when Debian ships it so and the browser takes gzip), or 304 when the
    /// browser holds this very version (`If-None-Match`).
    private func respond(_ request: Request, _ asset: WebAssets.Asset) -> Response {
        var headers = securityHeaders
        let gzipped = asset.gzipped.flatMap { request.headers[.acceptEncoding]?.contains("gzip") == true ? $0 : nil }
        let etag = gzipped == nil ? asset.etag : asset.gzippedETag
        headers[.eTag] = etag
        headers[.cacheControl] = "no-cache"
        if asset.gzipped != nil { headers[.vary] = "Accept-Encoding" }
        if request.headers[.ifNoneMatch] == etag {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = asset.contentType
        if gzipped != nil { headers[.contentEncoding] = "gzip" }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: gzipped ?? asset.bytes)))
    }

    /// Scripts, styles and API calls from this origin only; images also from the tile server
    /// when one is configured. Leaflet positions its panes through element styles, hence
    /// 'unsafe-inline' for styles (never for scripts).
    static func securityHeaders(tileURL: String?) -> HTTPFields {
        var images = "'self' data:"
        if let tileURL, let origin = tileOrigin(tileURL) { images += " \(origin)" }
        let policy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src \(images); "
            + "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
        var headers = HTTPFields()
        headers[.init("Content-Security-Policy")!] = policy
        headers[.init("X-Content-Type-Options")!] = "nosniff"
        headers[.init("Referrer-Policy")!] = "no-referrer"
        return headers
    }

    /// "https://{s}.tiles.example.org/{z}/{x}/{y}.png" → "https://*.tiles.example.org".
    static func tileOrigin(_ template: String) -> String? {
        guard let schemeEnd = template.range(of: "://") else { return nil }
        let scheme = template[..<schemeEnd.lowerBound]
        guard scheme == "https" || scheme == "http" else { return nil }
        let rest = template[schemeEnd.upperBound...]
        let host = rest.prefix { $0 != "/" }.replacingOccurrences(of: "{s}", with: "*")
        guard !host.isEmpty, host.allSatisfy({ $0.isLetter || $0.isNumber || ".-:*".contains($0) }) else { return nil }
        return "\(scheme)://\(host)"
    }
}
