use std::collections::HashMap;
fn main() {
    let mut m = HashMap::new();
    for i in 0..100000u64 { *m.entry(i % 977).or_insert(0u64) += i; }
    let h: Vec<_> = (0..4).map(|t| std::thread::spawn(move || (0..1_000_000u64).map(|x| x ^ t).sum::<u64>())).collect();
    let s: u64 = h.into_iter().map(|j| j.join().unwrap()).sum();
    println!("{} {}", m.len(), s);
}
