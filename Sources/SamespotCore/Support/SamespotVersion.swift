/// The release this build is: /healthz reports it, `samespot --version` prints it.
public enum SamespotVersion {
    public static let current = "0.2.0"
}
