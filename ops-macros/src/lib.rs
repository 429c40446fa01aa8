//! The `#[charm]` and `#[on]` macros of `ops`. See the `ops` crate for their documentation.
//!
//! Layout: `entry` runs each macro's pipeline, one way: `attr` parses the attributes,
//! `source` finds the metadata file, `metadata` reads it, `model` turns the impl into
//! handlers, `validate` makes every check (collecting every error) and resolves the model
//! `expand` generates the code from. `validate` and `expand` share the model, never each
//! other.

use proc_macro::TokenStream;

mod attr;
mod entry;
mod errors;
mod events;
mod expand;
mod ident;
mod metadata;
mod model;
mod source;
mod suggest;
mod validate;

/// Declares a charm: on a struct, reads its metadata; on its impl, builds the dispatch table.
///
/// On the struct: `#[charm(metadata = "charmcraft.yaml")]`, the path relative to the
/// crate's `Cargo.toml` directory (or, with `relative_to = "file"`, to the source file;
/// or absolute). The unified `charmcraft.yaml` and the legacy `metadata.yaml` (with
/// `config.yaml` / `actions.yaml` beside it) are both read. The struct is the unit's
/// persisted state, so it derives `Default`, `Serialize` and `Deserialize`. Generated
/// beside it, named after the struct (`Demo` here):
///
/// - `DemoConfig`: one typed field per `config.options` entry (`int` `i64`, `float`
///   `f64`, `boolean` `bool`, `string` and `secret` `String`; `Option` when there is no
///   default), read with `model.config()?`;
/// - one params struct per action (`get-db-info` gives `GetDbInfoParams`), from the
///   action's JSON schema (`string` `String`, `integer` `i64`, `number` `f64`, `boolean`
///   `bool`, `array` a `Vec`, no type `serde_json::Value`; `Option` unless required or
///   defaulted). Types for nested schemas are named after the action and the param path:
///   an object param `options` of `backup` gives the struct `BackupOptions`, its property
///   `limits` `BackupOptionsLimits`, the items of an array param `tags` `BackupTagsItem`;
/// - for a `type: string` schema with an `enum` (a param, a property or array items), an
///   enum named by the same rule (`mode: {type: string, enum: [full, incremental]}` of
///   `backup` gives `BackupMode { Full, Incremental }`), so a `match` needs no catch-all
///   arm. Variants are the PascalCase of each value (`app-admin` → `AppAdmin`, `TLS`
///   stays `TLS`, `3des` → `_3des`, `self` → `Self_`, `""` → `Empty`, a value with no ASCII
///   letter or digit → its code points, `+` → `U2B`), each documented with its exact value.
///   It derives `Debug, Clone, Copy, PartialEq, Eq, Hash` and has `as_str()` (the value as
///   written), `Display`, `all()` and `ops::charm::FromValue` (a value outside the `enum`
///   fails the action with the param's path and the allowed values). A `default` becomes its
///   variant; a default outside the `enum`, or two values giving the same variant
///   (`text` and `Text`), is a compile error. An `enum` of numbers or booleans keeps the
///   base type, checked when the params are read. Each field's doc lists its allowed
///   values;
/// - `model.relations()`, `model.containers()`, `model.storages()`, `model.resources()`
///   with one accessor per declared name (a `limit: 1` relation is an `Option`);
/// - `Charm::META`, the metadata as a `'static` value; editing the file rebuilds the crate.
///
/// Libraries and the charm's own events, on the struct:
///
/// - a field marked `#[lib(endpoint = "database")]` embeds a charm library (a type with
///   `#[library]`) bound to that relation endpoint: its handlers run before the charm's
///   for the same event, its state is saved inside the charm's under the field's name
///   (the field gets `#[serde(default)]`), and the charm observes its events with
///   `#[on(field.event)]`. The endpoint must be declared, with the library's interface
///   and role (`ops::Library::INTERFACE` / `ROLE`): otherwise a compile error at the
///   string names the endpoint that fits;
/// - `events(backup_done = BackupDone, ...)` in `#[charm(...)]` declares the charm's own
///   custom events (each payload a distinct type deriving `Serialize` and
///   `Deserialize`), emitted with `model.emit(BackupDone { .. })` and observed with
///   `#[on(self.backup_done)]`.
///
/// Names become identifiers predictably: `-` and other non-identifier characters become
/// `_`, a leading digit gets a `_` prefix, a Rust keyword gets a trailing `_` (`type_`).
///
/// On the struct's inherent `impl`: `#[charm]` with no arguments; its `#[on(...)]` methods
/// become the dispatch table. Every mistake (a misspelled name, a name of the wrong kind, a
/// handler that does not fit its event, an unreadable metadata file) is a compile error
/// at the offending token, with the nearest declared name suggested.
///
/// ```ignore
/// use ops::prelude::*;
///
/// #[charm(metadata = "charmcraft.yaml")]
/// #[derive(Default, Serialize, Deserialize)]
/// pub struct Demo {}
///
/// #[charm]
/// impl Demo {
///     #[on(config_changed)]
///     fn configure(&mut self, model: &Model<Self>) -> ops::Result<()> {
///         let port = model.config()?.server_port;
///         model.unit().set_status(Status::active(format!("port {port}")))?;
///         Ok(())
///     }
/// }
/// ```
#[proc_macro_attribute]
pub fn charm(args: TokenStream, input: TokenStream) -> TokenStream {
    entry::charm(args.into(), input.into()).into()
}

/// Marks a method of a `#[charm]` impl as the handler of a Juju event.
///
/// Events that take no name: `install`, `start`, `stop`, `remove`, `update_status`,
/// `config_changed`, `upgrade_charm`, `leader_elected`, `leader_settings_changed`,
/// `pre_series_upgrade`, `post_series_upgrade`, `collect_metrics`, `secret_changed`,
/// `secret_expired`, `secret_remove`, `secret_rotate`, `collect_unit_status`,
/// `collect_app_status`. Events about something the metadata declares name it as written
/// there: `relation_created` / `relation_joined` / `relation_changed` /
/// `relation_departed` / `relation_broken = "<relation>"`, `storage_attached` /
/// `storage_detaching = "<storage>"`, `pebble_ready` / `pebble_custom_notice` /
/// `pebble_check_failed` / `pebble_check_recovered = "<container>"`,
/// `action = "<action>"`.
///
/// Handler shapes (`self` by `&mut` or `&`; several handlers of one event run in source
/// order):
///
/// - `fn h(&mut self, model: &Model<Self>)`, the payload ignored;
/// - `fn h(&mut self, model: &Model<Self>, event: &RelationChanged)`, the payload type
///   from `ops::event` named after the event (`PebbleReady`, `SecretChanged`...);
///   deferrable ones have `event.defer()`;
/// - `fn h(&mut self, model: &Model<Self>, action: &mut Action<GetDbInfoParams>)` for an
///   action (`Action<serde_json::Map<String, Value>>` for untyped params);
/// - `fn h(&self, model: &Model<Self>, status: &mut StatusCollector)` for
///   `collect_unit_status` / `collect_app_status`.
///
/// Custom events: `#[on(db.database_created)]` observes the event `database_created` of
/// the library in field `db` (`#[on(self.backup_done)]`: the charm's own), with a handler
/// `fn h(&mut self, model: &Model<Self>, event: &Custom<DatabaseCreated>)` (or without
/// the payload). `Custom<T>` derefs to the payload and has `defer()`: a deferred custom
/// event is saved with its payload and re-emitted to this handler before the next Juju
/// event. An unknown library field or event, or a payload type that does not fit, is a
/// compile error at the token.
///
/// One method may carry several `#[on(...)]` attributes (`#[on(leader_elected)]` over
/// `#[on(relation_created = "peers")]`): it handles each of those events, and a payload
/// parameter, if it takes one, must fit every one of them: when their payloads differ,
/// take `event: &ops::event::AnyEvent`, which tells which event fired (`kind()`,
/// `data()`) and can `defer()`.
///
/// A handler returns `()`, `ops::Result<()>` or `Result<(), E>` for any
/// `E: Into<ops::Error>`. An error (or a panic) fails the hook: it is logged, nothing is
/// saved, and Juju retries it; for an action, the action fails with the message.
#[proc_macro_attribute]
pub fn on(args: TokenStream, input: TokenStream) -> TokenStream {
    entry::stray_on(args.into(), input.into()).into()
}

/// Declares a charm library: on a struct, its interface, role and events; on its impl,
/// its handlers. See `ops::library` and the `#[library]` guide in the `ops` crate.
///
/// ```ignore
/// #[library(interface = "postgresql_client", role = "requires",
///           events(database_created = DatabaseCreated))]
/// #[derive(Default, Serialize, Deserialize)]
/// pub struct DatabaseRequires { seen: Option<String> }
///
/// #[library]
/// impl DatabaseRequires {
///     #[on(relation_changed)]                     // of the endpoint it is bound to
///     fn changed(&mut self, model: &LibModel<Self>, event: &RelationChanged) -> ops::Result<()> {
///         model.emit(DatabaseCreated { relation_id: event.relation.id })
///     }
/// }
/// ```
///
/// On the struct: `interface` is the relation interface it speaks, `role` the metadata
/// section of the endpoints it binds to (`requires`, `provides` or `peers`), `events`
/// its custom events as `name = PayloadType` (each payload a distinct type that derives
/// `Serialize` and `Deserialize`: a deferred event is saved with it). Fields marked
/// `#[lib]` (the same endpoint) or `#[lib(endpoint = "...")]` are libraries it uses.
///
/// On the impl: `#[on(...)]` handlers as in a charm, with `model: &LibModel<Self>`.
/// Relation events take no name (they are about the library's endpoint); events that
/// take no name are written as in a charm; `#[on(field.event)]` observes an event of a
/// library it uses.
#[proc_macro_attribute]
pub fn library(args: TokenStream, input: TokenStream) -> TokenStream {
    entry::library(args.into(), input.into()).into()
}

/// The second half of `#[library]` on an impl, reached through the struct's forwarding
/// macro.
#[doc(hidden)]
#[proc_macro]
pub fn __library_impl(input: TokenStream) -> TokenStream {
    entry::library_impl(input.into()).into()
}

/// The second half of `#[charm]` on an impl, reached through the struct's forwarding macro.
#[doc(hidden)]
#[proc_macro]
pub fn __charm_impl(input: TokenStream) -> TokenStream {
    entry::charm_impl(input.into()).into()
}
