//! The `bit` library Redis's Lua scripts get (LuaBitOp's API): 32-bit operations on Lua
//! numbers. Arguments are brought to 32 bits as LuaBitOp does (rounded to the nearest
//! integer, ties to even, then taken modulo 2^32) and results are signed 32-bit numbers.

use mlua::{Lua, Table, Variadic};

/// A Lua number as LuaBitOp's `tobit` sees it.
fn to_bit(n: f64) -> i32 {
    if !n.is_finite() {
        return 0;
    }
    n.round_ties_even().rem_euclid(4_294_967_296.0) as u64 as u32 as i32
}

/// `band`, `bor`, `bxor`: at least one argument, folded.
fn fold(lua: &Lua, op: fn(i32, i32) -> i32) -> mlua::Result<mlua::Function> {
    lua.create_function(move |_, (first, rest): (f64, Variadic<f64>)| {
        Ok(rest
            .iter()
            .fold(to_bit(first), |acc, n| op(acc, to_bit(*n))))
    })
}

/// `lshift`, `rshift`, `arshift`, `rol`, `ror`: the count is taken modulo 32.
fn shift(lua: &Lua, op: fn(i32, u32) -> i32) -> mlua::Result<mlua::Function> {
    lua.create_function(move |_, (x, n): (f64, f64)| Ok(op(to_bit(x), to_bit(n) as u32 & 31)))
}

/// Builds the `bit` table.
pub(super) fn library(lua: &Lua) -> mlua::Result<Table> {
    let bit = lua.create_table()?;
    bit.raw_set("tobit", lua.create_function(|_, x: f64| Ok(to_bit(x)))?)?;
    bit.raw_set("bnot", lua.create_function(|_, x: f64| Ok(!to_bit(x)))?)?;
    bit.raw_set("band", fold(lua, |a, b| a & b)?)?;
    bit.raw_set("bor", fold(lua, |a, b| a | b)?)?;
    bit.raw_set("bxor", fold(lua, |a, b| a ^ b)?)?;
    bit.raw_set("lshift", shift(lua, |x, n| ((x as u32) << n) as i32)?)?;
    bit.raw_set("rshift", shift(lua, |x, n| ((x as u32) >> n) as i32)?)?;
    bit.raw_set("arshift", shift(lua, |x, n| x >> n)?)?;
    bit.raw_set("rol", shift(lua, |x, n| (x as u32).rotate_left(n) as i32)?)?;
    bit.raw_set("ror", shift(lua, |x, n| (x as u32).rotate_right(n) as i32)?)?;
    bit.raw_set(
        "bswap",
        lua.create_function(|_, x: f64| Ok(to_bit(x).swap_bytes()))?,
    )?;
    bit.raw_set(
        "tohex",
        lua.create_function(|_, (x, n): (f64, Option<f64>)| {
            let x = to_bit(x) as u32;
            let n = n.map_or(8, to_bit);
            let (digits, upper) = (n.unsigned_abs().min(8) as usize, n < 0);
            let text = if upper {
                format!("{x:08X}")
            } else {
                format!("{x:08x}")
            };
            Ok(text[8 - digits..].to_string())
        })?,
    )?;
    Ok(bit)
}

#[cfg(test)]
mod tests {
    #[test]
    fn operations_match_luabitop() {
        let lua = mlua::Lua::new();
        lua.globals()
            .raw_set("bit", super::library(&lua).unwrap())
            .unwrap();
        let eval = |code: &str| lua.load(code).eval::<String>().unwrap();
        assert_eq!(eval("return tostring(bit.tobit(0xffffffff))"), "-1");
        assert_eq!(eval("return tostring(bit.tobit(2^32 + 5))"), "5");
        assert_eq!(
            eval("return tostring(bit.band(0x0007000f, 0x00ff0000))"),
            "458752"
        );
        assert_eq!(eval("return tostring(bit.rshift(0x0007000f, 16))"), "7");
        assert_eq!(eval("return tostring(bit.arshift(-256, 4))"), "-16");
        assert_eq!(eval("return tostring(bit.rshift(-1, 28))"), "15");
        assert_eq!(eval("return tostring(bit.lshift(1, 33))"), "2");
        assert_eq!(eval("return tostring(bit.bnot(0))"), "-1");
        assert_eq!(eval("return tostring(bit.bxor(5, 3, 1))"), "7");
        assert_eq!(eval("return bit.tohex(255)"), "000000ff");
        assert_eq!(eval("return bit.tohex(-1, -4)"), "FFFF");
        assert_eq!(eval("return bit.tohex(0x12345678, 2)"), "78");
        assert_eq!(eval("return tostring(bit.bswap(0x12345678))"), "2018915346");
        assert_eq!(eval("return tostring(bit.rol(0x80000001, 1))"), "3");
        assert_eq!(eval("return tostring(bit.tobit(1.5))"), "2");
        assert_eq!(eval("return tostring(bit.tobit(2.5))"), "2");
    }
}
