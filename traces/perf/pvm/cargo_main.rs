use std::collections::HashMap;
fn main() {
    let mut m: HashMap<u64, Vec<u64>> = HashMap::new();
    for i in 0..1000u64 { m.entry(i % 37).or_default().push(i * i); }
    let s: u64 = m.values().map(|v| v.iter().sum::<u64>()).sum();
    println!("{}", s);
}
