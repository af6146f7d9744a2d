//! `const` constructors that keep the attribute tables short: an attribute starts with the
//! RFC 7643 section 2.2 defaults (single-valued, optional, caseExact false, readWrite, returned
//! default, uniqueness none) and each call changes one characteristic.

use super::{AttrType, AttributeDef, Mutability, Returned, Uniqueness};

/// An attribute of type `kind` with every other characteristic at its default.
pub(super) const fn attr(
    name: &'static str,
    kind: AttrType,
    description: &'static str,
) -> AttributeDef {
    AttributeDef {
        name,
        kind,
        multi_valued: false,
        description,
        required: false,
        case_exact: false,
        mutability: Mutability::ReadWrite,
        returned: Returned::Default,
        uniqueness: Uniqueness::None,
        canonical_values: &[],
        reference_types: &[],
        sub_attributes: &[],
    }
}

/// A `string` attribute.
pub(super) const fn string(name: &'static str, description: &'static str) -> AttributeDef {
    attr(name, AttrType::String, description)
}

/// A `boolean` attribute.
pub(super) const fn boolean(name: &'static str, description: &'static str) -> AttributeDef {
    attr(name, AttrType::Boolean, description)
}

/// A `dateTime` attribute.
pub(super) const fn date_time(name: &'static str, description: &'static str) -> AttributeDef {
    attr(name, AttrType::DateTime, description)
}

/// A `reference` attribute to the given reference types.
pub(super) const fn reference(
    name: &'static str,
    reference_types: &'static [&'static str],
    description: &'static str,
) -> AttributeDef {
    attr(name, AttrType::Reference, description).refs(reference_types)
}

/// A `complex` attribute with the given sub-attributes.
pub(super) const fn complex(
    name: &'static str,
    sub_attributes: &'static [AttributeDef],
    description: &'static str,
) -> AttributeDef {
    attr(name, AttrType::Complex, description).subs(sub_attributes)
}

/// The `value` sub-attribute of a multi-valued attribute (RFC 7643 section 2.4).
pub(super) const fn value(description: &'static str) -> AttributeDef {
    string("value", description)
}

/// The `display` sub-attribute of a multi-valued attribute (RFC 7643 section 2.4).
pub(super) const fn display() -> AttributeDef {
    string(
        "display",
        "A human-readable name, primarily used for display purposes.",
    )
}

/// The `type` sub-attribute of a multi-valued attribute, with its canonical values.
pub(super) const fn type_of(canonical: &'static [&'static str]) -> AttributeDef {
    string(
        "type",
        "A label indicating the attribute's function, e.g. 'work' or 'home'.",
    )
    .canonical(canonical)
}

/// The `primary` sub-attribute every multi-valued attribute of RFC 7643 section 2.4 carries.
pub(super) const fn primary() -> AttributeDef {
    boolean(
        "primary",
        "A Boolean value indicating the 'primary' or preferred attribute value for this \
         attribute. The primary attribute value 'true' MUST appear no more than once.",
    )
}

impl AttributeDef {
    pub(super) const fn multi(mut self) -> Self {
        self.multi_valued = true;
        self
    }

    pub(super) const fn required(mut self) -> Self {
        self.required = true;
        self
    }

    pub(super) const fn case_exact(mut self) -> Self {
        self.case_exact = true;
        self
    }

    pub(super) const fn read_only(mut self) -> Self {
        self.mutability = Mutability::ReadOnly;
        self
    }

    pub(super) const fn mutability(mut self, mutability: Mutability) -> Self {
        self.mutability = mutability;
        self
    }

    pub(super) const fn returned(mut self, returned: Returned) -> Self {
        self.returned = returned;
        self
    }

    pub(super) const fn uniqueness(mut self, uniqueness: Uniqueness) -> Self {
        self.uniqueness = uniqueness;
        self
    }

    pub(super) const fn canonical(mut self, values: &'static [&'static str]) -> Self {
        self.canonical_values = values;
        self
    }

    pub(super) const fn refs(mut self, reference_types: &'static [&'static str]) -> Self {
        self.reference_types = reference_types;
        self
    }

    pub(super) const fn subs(mut self, sub_attributes: &'static [AttributeDef]) -> Self {
        self.sub_attributes = sub_attributes;
        self
    }
}
