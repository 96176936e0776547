//! Devices: list with filters and paging, set the operating mode.

use std::ffi::c_char;

use mppoint::{Device, DeviceFilter, DevicePage, Error, Paging};

use crate::client::mpp_client;
use crate::enums::mpp_operating_mode;
use crate::error::{boundary, mpp_error};
use crate::panic::{guard, guard_ref};
use crate::result::mpp_result;
use crate::util::{
    arg_ref, arg_str, free_handle, null, opt_str, owned_string, to_json, CachedStr, OptOut, Out,
};

/// A Point device (borrowed from an `mpp_device_list`). Strings from its accessors are borrowed
/// from the list.
pub struct mpp_device {
    device: Device,
    id: CachedStr,
    store_id: CachedStr,
    external_pos_id: CachedStr,
    operating_mode: CachedStr,
}

/// One page of devices (`mpp_devices_list`). Immutable; free it with `mpp_device_list_free`,
/// which also frees the devices borrowed from it.
pub struct mpp_device_list {
    devices: Vec<mpp_device>,
    paging: Paging,
}

/// Lists one page of devices, optionally only those of a store (`store_id`) or of a POS
/// (`pos_id`, numeric, as text). `limit` is the page size (0: the API's default of 50) and
/// `offset` how many devices to skip. Read the paging with `mpp_device_list_total`.
///
/// Ownership: `client` is borrowed; `store_id` and `pos_id` are borrowed and may be NULL (no
/// filter); on success `*out_list` receives a new list the caller frees with
/// `mpp_device_list_free`; on failure `*out_error` (if `out_error` is not NULL) receives an error
/// the caller frees with `mpp_error_free`.
#[no_mangle]
pub unsafe extern "C" fn mpp_devices_list(
    client: *const mpp_client,
    store_id: *const c_char,
    pos_id: *const c_char,
    limit: u32,
    offset: u32,
    out_list: *mut *mut mpp_device_list,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_devices_list";
    boundary(F, out_error, || {
        let client = arg_ref(F, "client", client)?;
        let filter = DeviceFilter {
            store_id: opt_str(F, "store_id", store_id)?.map(str::to_string),
            pos_id: opt_str(F, "pos_id", pos_id)?.map(str::to_string),
            limit: (limit != 0).then_some(limit),
            offset: (offset != 0).then_some(offset),
        };
        let out = Out::new(F, "out_list", out_list)?;
        let page = client.client.list_devices(&filter)?;
        out.give(mpp_device_list {
            devices: page
                .devices
                .into_iter()
                .map(|device| mpp_device {
                    device,
                    id: CachedStr::default(),
                    store_id: CachedStr::default(),
                    external_pos_id: CachedStr::default(),
                    operating_mode: CachedStr::default(),
                })
                .collect(),
            paging: page.paging,
        });
        Ok(())
    })
}

/// Switches a device between `MPP_OPERATING_MODE_PDV` (receives intents) and
/// `MPP_OPERATING_MODE_STANDALONE`; any other number is `MPP_RESULT_INVALID_ARGUMENT`. The device
/// must be restarted for the change to take effect.
///
/// Ownership: `client`, `device_id` are borrowed; on success, when `out_mode` is not NULL,
/// `*out_mode` receives the mode the API reports; `*out_error` as in `mpp_devices_list`.
#[no_mangle]
pub unsafe extern "C" fn mpp_device_set_mode(
    client: *const mpp_client,
    device_id: *const c_char,
    mode: u32,
    out_mode: *mut mpp_operating_mode,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_device_set_mode";
    boundary(F, out_error, || {
        let client = arg_ref(F, "client", client)?;
        let device_id = arg_str(F, "device_id", device_id)?;
        let out = OptOut::new(out_mode);
        let mode = mpp_operating_mode::settable(mode).ok_or_else(|| {
            Error::invalid_argument(
                "operating_mode",
                "must be MPP_OPERATING_MODE_PDV (1) or MPP_OPERATING_MODE_STANDALONE (2)",
                &mode.to_string(),
            )
        })?;
        let now = client.client.set_operating_mode(device_id, mode)?;
        out.write(mpp_operating_mode::of(&now));
        Ok(())
    })
}

fn with_list<T>(
    l: *const mpp_device_list,
    fallback: T,
    f: impl FnOnce(&mpp_device_list) -> T,
) -> T {
    guard_ref(l, fallback, f)
}

/// How many devices this page holds (0 when `list` is NULL).
///
/// Ownership: `list` is borrowed.
#[no_mangle]
pub unsafe extern "C" fn mpp_device_list_count(list: *const mpp_device_list) -> usize {
    with_list(list, 0, |l| l.devices.len())
}

/// Device number `index` of the page, or NULL when `index` is out of range or `list` is NULL.
///
/// Ownership: `list` is borrowed; the device is borrowed from `list` (valid until
/// `mpp_device_list_free`; never free it).
#[no_mangle]
pub unsafe extern "C" fn mpp_device_list_get(
    list: *const mpp_device_list,
    index: usize,
) -> *const mpp_device {
    with_list(list, std::ptr::null(), |l| {
        l.devices
            .get(index)
            .map_or(std::ptr::null(), |d| d as *const mpp_device)
    })
}

/// How many devices match the filter in all (the API's `paging.total`).
///
/// Ownership: `list` is borrowed.
#[no_mangle]
pub unsafe extern "C" fn mpp_device_list_total(list: *const mpp_device_list) -> u64 {
    with_list(list, 0, |l| l.paging.total)
}

/// The offset of this page (`paging.offset`).
///
/// Ownership: `list` is borrowed.
#[no_mangle]
pub unsafe extern "C" fn mpp_device_list_offset(list: *const mpp_device_list) -> u64 {
    with_list(list, 0, |l| l.paging.offset)
}

/// The page size (`paging.limit`).
///
/// Ownership: `list` is borrowed.
#[no_mangle]
pub unsafe extern "C" fn mpp_device_list_limit(list: *const mpp_device_list) -> u64 {
    with_list(list, 0, |l| l.paging.limit)
}

/// The page as JSON (`{"devices":[...],"paging":{...}}`).
///
/// Ownership: `list` is borrowed; on success `*out_json` receives a new string the caller frees
/// with `mpp_string_free`; `*out_error` as in `mpp_devices_list`.
#[no_mangle]
pub unsafe extern "C" fn mpp_device_list_to_json(
    list: *const mpp_device_list,
    out_json: *mut *mut c_char,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_device_list_to_json";
    boundary(F, out_error, || {
        let l = arg_ref(F, "list", list)?;
        let out = Out::new(F, "out_json", out_json)?;
        let page = DevicePage {
            devices: l.devices.iter().map(|d| d.device.clone()).collect(),
            paging: l.paging,
        };
        out.write(owned_string(&to_json(&page)?));
        Ok(())
    })
}

/// Frees a device list and the devices borrowed from it. NULL is a no-op.
///
/// Ownership: takes `list`.
#[no_mangle]
pub unsafe extern "C" fn mpp_device_list_free(list: *mut mpp_device_list) {
    guard((), || free_handle(list))
}

fn with_device<T>(d: *const mpp_device, fallback: T, f: impl FnOnce(&mpp_device) -> T) -> T {
    guard_ref(d, fallback, f)
}

/// The device id (`PAX_A910__SMARTPOS1234567890`), or NULL when `device` is NULL.
///
/// Ownership: `device` is borrowed; the string is borrowed from its list.
#[no_mangle]
pub unsafe extern "C" fn mpp_device_id(device: *const mpp_device) -> *const c_char {
    with_device(device, null(), |d| d.id.get_str(Some(&d.device.id)))
}

/// The numeric id of the POS the device is linked to, or -1 when it is not linked.
///
/// Ownership: `device` is borrowed.
#[no_mangle]
pub unsafe extern "C" fn mpp_device_pos_id(device: *const mpp_device) -> i64 {
    with_device(device, -1, |d| d.device.pos_id.unwrap_or(-1))
}

/// The store id, or NULL.
///
/// Ownership: `device` is borrowed; the string is borrowed from its list.
#[no_mangle]
pub unsafe extern "C" fn mpp_device_store_id(device: *const mpp_device) -> *const c_char {
    with_device(device, null(), |d| {
        d.store_id.get_str(d.device.store_id.as_deref())
    })
}

/// The `external_id` of the POS the device is linked to, or NULL.
///
/// Ownership: `device` is borrowed; the string is borrowed from its list.
#[no_mangle]
pub unsafe extern "C" fn mpp_device_external_pos_id(device: *const mpp_device) -> *const c_char {
    with_device(device, null(), |d| {
        d.external_pos_id
            .get_str(d.device.external_pos_id.as_deref())
    })
}

/// The device's operating mode (`MPP_OPERATING_MODE_UNKNOWN` for a mode this version does not
/// know, and when `device` is NULL).
///
/// Ownership: `device` is borrowed.
#[no_mangle]
pub unsafe extern "C" fn mpp_device_operating_mode(
    device: *const mpp_device,
) -> mpp_operating_mode {
    with_device(device, mpp_operating_mode::Unknown, |d| {
        mpp_operating_mode::of(&d.device.operating_mode)
    })
}

/// The operating mode as the API spells it (`"PDV"`, `"STANDALONE"`), or NULL.
///
/// Ownership: `device` is borrowed; the string is borrowed from its list.
#[no_mangle]
pub unsafe extern "C" fn mpp_device_operating_mode_str(device: *const mpp_device) -> *const c_char {
    with_device(device, null(), |d| {
        d.operating_mode
            .get_str(Some(d.device.operating_mode.as_str()))
    })
}

/// The device as JSON.
///
/// Ownership: `device` is borrowed; on success `*out_json` receives a new string the caller frees
/// with `mpp_string_free`; `*out_error` as in `mpp_devices_list`.
#[no_mangle]
pub unsafe extern "C" fn mpp_device_to_json(
    device: *const mpp_device,
    out_json: *mut *mut c_char,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_device_to_json";
    boundary(F, out_error, || {
        let d = arg_ref(F, "device", device)?;
        let out = Out::new(F, "out_json", out_json)?;
        out.write(owned_string(&to_json(&d.device)?));
        Ok(())
    })
}
