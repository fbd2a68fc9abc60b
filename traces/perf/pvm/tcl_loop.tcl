set d [dict create]
for {set i 0} {$i < 200000} {incr i} { dict incr d [expr {$i % 1000}] }
for {set i 0} {$i < 5} {incr i} { exec /bin/true }
puts [dict size $d]
