/// A value in a TOML document together with where its key and the value itself were written.
public struct TOMLNode: Sendable, Equatable {
    /// The value.
    public var value: TOMLValue
    /// Where the key (its last dotted part) was written.
    ///
    /// For a table created by a `[header]` or an element created by `[[header]]`, the position of the
    /// header's `[`; for an array element, the same as ``location``.
    public var keyLocation: SourceLocation
    /// Where the value starts (a table created by a header: the header's `[`).
    public var location: SourceLocation

    /// Creates a node.
    ///
    /// - Parameters:
    ///   - value: The value.
    ///   - keyLocation: Where its key was written.
    ///   - location: Where the value starts.
    public init(value: TOMLValue, keyLocation: SourceLocation, location: SourceLocation) {
        self.value = value
        self.keyLocation = keyLocation
        self.location = location
    }
}
