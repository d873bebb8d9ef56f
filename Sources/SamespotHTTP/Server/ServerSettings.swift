import Foundation
import SamespotStore

/// What `samespot serve` is told: where to listen, which database, which city.
public struct ServerSettings: Sendable {
    public var host: String
    public var port: Int
    public var database: DatabaseSettings
    public var city: CitySettings
    /// The ward boundary set answers use; nil means the set in force today.
    public var wardSet: String?
    public var web: WebSettings
    public var limits: LimitSettings
    /// Keep the cases in memory (`CaseMirror`) for ward summaries and hotspot maps: about 70
    /// bytes a case. Off: they are counted by PostgreSQL on every call.
    public var casesInMemory: Bool
    /// Which other web sites' pages may call the API from a browser (CORS).
    public var crossOrigin: CrossOriginPolicy

    public init(host: String, port: Int, database: DatabaseSettings, city: CitySettings, wardSet: String?, web: WebSettings = WebSettings(),
                limits: LimitSettings = LimitSettings(), casesInMemory: Bool = true, crossOrigin: CrossOriginPolicy = .anyOrigin) {
        self.casesInMemory = casesInMemory
        self.crossOrigin = crossOrigin
        self.host = host
        self.port = port
        self.database = database
        self.city = city
        self.wardSet = wardSet
        self.web = web
        self.limits = limits
    }
}

/// What the web page needs from the deployment: where Debian put Leaflet, and a base-map tile
/// server if the city has one (none is reachable from a closed city network, so by default the
/// maps draw the ward boundaries alone).
public struct WebSettings: Sendable {
    /// Leaflet 1.7 as Debian's libjs-leaflet installs it.
    public var leafletDirectory: String
    /// A Leaflet tile URL template (`https://tiles.example.city/{z}/{x}/{y}.png`), or nil.
    public var tileURL: String?
    public var tileAttribution: String

    public init(leafletDirectory: String = "/usr/share/javascript/leaflet", tileURL: String? = nil, tileAttribution: String = "") {
        self.leafletDirectory = leafletDirectory
        self.tileURL = tileURL
        self.tileAttribution = tileAttribution
    }
}

/// Which web pages of other origins may call the API from a browser: an Open311 app or a city
/// web site's report form, say. Keys are sent as a bearer header or a form field, never as a
/// cookie, so a page of another site can do no more than the keys it already holds allow: any
/// origin is the default, as for most Open311 endpoints. A city may name its own sites, or none.
public enum CrossOriginPolicy: Sendable, Equatable {
    case anyOrigin
    case noOrigin
    case origins([String])

    /// `*`, `none`, or origins separated by commas (`https://311.example.city,https://example.city`).
    public init(parsing text: String) throws(CrossOriginPolicyError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        switch trimmed.lowercased() {
        case "*", "": self = .anyOrigin
        case "none": self = .noOrigin
        default:
            let origins = trimmed.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            for origin in origins {
                // An origin is scheme, host and port only: what a browser sends in its Origin header.
                guard origin.hasPrefix("https://") || origin.hasPrefix("http://"),
                      !origin.dropFirst(origin.hasPrefix("https://") ? 8 : 7).contains("/") else {
                    throw CrossOriginPolicyError(origin: origin)
                }
            }
            self = .origins(origins)
        }
    }
}

public struct CrossOriginPolicyError: Error, CustomStringConvertible {
    public var origin: String
    public var description: String {
        "\(origin) is not an origin: write * (any), none, or origins such as https://311.example.city, separated by commas (no path)"
    }
}
