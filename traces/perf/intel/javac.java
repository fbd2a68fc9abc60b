import java.util.*;
public class A { public static void main(String[] x) { List<int[]> l = new ArrayList<>(); long s=0; for (int i=0;i<2000;i++){ l.add(new int[10000+i]); if (l.size()>50) s+=l.remove(0).length; } System.out.println(s); } }
