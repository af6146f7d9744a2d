//! rosterd
